namespace Live.Tools.LoadGen;

/// <summary>
/// Which room each viewer joins, in the order they connect; viewers 0..<see cref="Senders"/>-1 are the senders.
/// Round-robin (viewer i in room i mod rooms) by default; with a Zipf placement the audiences follow a Zipf law
/// whose exponent gives room 1 a chosen share, and the same seed gives the same rooms in the same connect order.
/// </summary>
public sealed class ViewerPlacement
{
    private ViewerPlacement(int[] roomOf, int senders)
    {
        RoomOf = roomOf;
        Senders = senders;
    }

    /// <summary>Room index (0-based) of viewer i.</summary>
    public IReadOnlyList<int> RoomOf { get; }

    public int Senders { get; }

    public static ViewerPlacement RoundRobin(int viewers, int rooms, int senders) =>
        new(Enumerable.Range(0, viewers).Select(i => i % rooms).ToArray(), Math.Min(senders, viewers));

    /// <summary>
    /// Zipf audiences with room 1 holding <paramref name="topShare"/> of the viewers, every room at least
    /// <paramref name="sendersPerRoom"/> (its senders). The senders connect first, <paramref name="sendersPerRoom"/>
    /// per room so every room sends at the same rate; the other viewers follow in a seeded random order, as an
    /// audience arrives, which is what the front door's placement sees.
    /// </summary>
    public static ViewerPlacement Zipf(int viewers, int rooms, double topShare, int sendersPerRoom, int seed)
    {
        if (sendersPerRoom < 1 || (long)sendersPerRoom * rooms > viewers)
        {
            throw new ArgumentException($"{rooms} rooms with {sendersPerRoom} sender(s) each need at least {(long)sendersPerRoom * rooms} viewers, not {viewers}.");
        }

        var audiences = Audiences(viewers, rooms, ExponentForTopShare(rooms, topShare), sendersPerRoom);
        var random = new Random(seed);
        var senders = new List<int>(rooms * sendersPerRoom);
        var others = new List<int>(viewers);
        for (var room = 0; room < rooms; room++)
        {
            for (var k = 0; k < audiences[room]; k++)
            {
                (k < sendersPerRoom ? senders : others).Add(room);
            }
        }

        var roomOf = senders.Concat(Shuffle(others, random)).ToArray();
        return new ViewerPlacement(roomOf, senders.Count);
    }

    /// <summary>The exponent s for which room 1's weight 1 / H(rooms, s) equals <paramref name="topShare"/> (bisection; the share rises with s).</summary>
    public static double ExponentForTopShare(int rooms, double topShare)
    {
        if (rooms < 2 || !(topShare > 1.0 / rooms && topShare < 1))
        {
            throw new ArgumentException($"With {rooms} rooms room 1's share must be above 1/{rooms} (even audiences) and below 1, not {topShare}.");
        }

        double low = 0, high = 64;
        for (var i = 0; i < 100; i++)
        {
            var mid = (low + high) / 2;
            if (1 / Harmonic(rooms, mid) < topShare)
            {
                low = mid;
            }
            else
            {
                high = mid;
            }
        }

        return (low + high) / 2;
    }

    /// <summary>Viewers per room: Zipf weights rounded by largest remainder (they add up to <paramref name="viewers"/>), then rooms under <paramref name="minimum"/> lifted to it by taking from the largest.</summary>
    public static int[] Audiences(int viewers, int rooms, double exponent, int minimum)
    {
        var total = Harmonic(rooms, exponent);
        var exact = Enumerable.Range(0, rooms).Select(r => viewers / Math.Pow(r + 1, exponent) / total).ToArray();
        var audiences = exact.Select(x => (int)Math.Floor(x)).ToArray();
        var byRemainder = Enumerable.Range(0, rooms).OrderByDescending(r => exact[r] - audiences[r]).ThenBy(r => r).ToArray();
        var missing = viewers - audiences.Sum();
        for (var i = 0; i < missing; i++)
        {
            audiences[byRemainder[i]]++;
        }

        for (var room = 0; room < rooms; room++)
        {
            while (audiences[room] < minimum)
            {
                var largest = Array.IndexOf(audiences, audiences.Max());
                audiences[largest]--;
                audiences[room]++;
            }
        }

        return audiences;
    }

    private static double Harmonic(int rooms, double exponent)
    {
        double sum = 0;
        for (var r = 1; r <= rooms; r++)
        {
            sum += 1 / Math.Pow(r, exponent);
        }

        return sum;
    }

    private static List<int> Shuffle(List<int> items, Random random)
    {
        for (var i = items.Count - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }

        return items;
    }
}
