namespace Live.StatsService.Ingest;

/// <summary>
/// Senders known to be in a minute's HyperLogLog, because a script call that added them succeeded: adding
/// them again changes nothing, so they are left out of later batches. Bounded; when full it starts over
/// (which only costs repeated adds). A batch being built reads it while the previous one, applied, adds to it.
/// </summary>
internal sealed class KnownSenders
{
    private const int MaxEntries = 1_000_000;
    private readonly Lock gate = new();
    private readonly HashSet<(long Room, long Minute, long User)> added = [];

    public bool Contains(long roomId, long minute, long userId)
    {
        lock (gate)
        {
            return added.Contains((roomId, minute, userId));
        }
    }

    public void Remember(List<(long Room, long Minute, long User)> senders)
    {
        lock (gate)
        {
            if (added.Count + senders.Count > MaxEntries)
            {
                added.Clear();
            }

            foreach (var sender in senders)
            {
                added.Add(sender);
            }
        }
    }
}
