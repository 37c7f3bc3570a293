using System.IO.Hashing;
using System.Runtime.InteropServices;
using Yarp.ReverseProxy.Model;

namespace Live.Proxy.Routing;

/// <summary>
/// A consistent-hash ring over a cluster's destinations: each destination owns VirtualNodes points placed by
/// XxHash64 of its id (seeded with the point's number), so every Proxy instance builds the same ring from the same
/// ids, and adding or removing a destination moves only the rooms whose points it owns. Immutable once built.
/// </summary>
public sealed class RoomHashRing
{
    private readonly ulong[] points;
    private readonly int[] owners;

    private RoomHashRing(IReadOnlyList<DestinationState> destinations, ulong[] points, int[] owners)
    {
        Destinations = destinations;
        this.points = points;
        this.owners = owners;
    }

    public IReadOnlyList<DestinationState> Destinations { get; }

    public int PointCount => points.Length;

    public static RoomHashRing Build(IReadOnlyList<DestinationState> destinations, int virtualNodes)
    {
        var placed = new (ulong Point, string Id, int Owner)[destinations.Count * virtualNodes];
        for (var d = 0; d < destinations.Count; d++)
        {
            var id = MemoryMarshal.AsBytes(destinations[d].DestinationId.AsSpan());
            for (var v = 0; v < virtualNodes; v++)
            {
                placed[(d * virtualNodes) + v] = (XxHash64.HashToUInt64(id, seed: v), destinations[d].DestinationId, d);
            }
        }

        // Ties (vanishingly rare) are broken by destination id, so every instance agrees on the ring whatever order
        // its configuration lists the destinations in.
        Array.Sort(placed, static (a, b) => a.Point != b.Point ? a.Point.CompareTo(b.Point) : string.CompareOrdinal(a.Id, b.Id));
        var points = new ulong[placed.Length];
        var owners = new int[placed.Length];
        for (var i = 0; i < placed.Length; i++)
        {
            points[i] = placed[i].Point;
            owners[i] = placed[i].Owner;
        }

        return new RoomHashRing(destinations, points, owners);
    }

    /// <summary>
    /// The first destination in ring order from the room's hash that is available and would stay within
    /// <paramref name="bound"/> connections with one more; null when none would (counts raced past the bound).
    /// </summary>
    public DestinationState? Pick(ulong roomHash, IReadOnlyList<DestinationState> available, int bound)
    {
        if (points.Length == 0)
        {
            return null;
        }

        var start = Array.BinarySearch(points, roomHash);
        if (start < 0)
        {
            start = ~start;
        }

        // Each destination is judged once, at its first point after the room's hash: later points add nothing.
        Span<bool> judged = Destinations.Count <= 256 ? stackalloc bool[Destinations.Count] : new bool[Destinations.Count];
        var remaining = Destinations.Count;
        for (var step = 0; step < points.Length && remaining > 0; step++)
        {
            var owner = owners[(start + step) % points.Length];
            if (judged[owner])
            {
                continue;
            }

            judged[owner] = true;
            remaining--;
            var destination = Destinations[owner];
            if (Contains(available, destination) && destination.ConcurrentRequestCount + 1 <= bound)
            {
                return destination;
            }
        }

        return null;
    }

    /// <summary>The room's position on the ring: a numeric room id hashes as its value, so "7" and "007" agree.</summary>
    public static ulong HashRoom(ReadOnlySpan<char> room)
    {
        if (long.TryParse(room, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var roomId))
        {
            return XxHash64.HashToUInt64(MemoryMarshal.AsBytes(new ReadOnlySpan<long>(in roomId)));
        }

        return XxHash64.HashToUInt64(MemoryMarshal.AsBytes(room));
    }

    private static bool Contains(IReadOnlyList<DestinationState> available, DestinationState destination)
    {
        for (var i = 0; i < available.Count; i++)
        {
            if (ReferenceEquals(available[i], destination))
            {
                return true;
            }
        }

        return false;
    }
}
