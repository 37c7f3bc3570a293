namespace Live.StatsService.Ingest;

/// <summary>
/// Which (user, room) pairs were written recently, so a chatter's every message does not rewrite the same
/// "last seen" entry: one write per pair per minute of event time is enough for a window of hours. Bounded;
/// when full it starts over (which only costs some repeated writes). A batch that fails after being built
/// (or the batches built behind it) may leave a pair unwritten for up to that minute: "seen" steers
/// recommendations, it is not a record.
/// </summary>
internal sealed class RecentlySeen
{
    private const int MaxEntries = 500_000;
    private const long RefreshMs = 60_000;
    private readonly Lock gate = new();
    private readonly Dictionary<(long, long), long> written = [];

    // Locked: a batch that must be rebuilt (see ApplyAsync) does so while the next batch is being built.
    public bool ShouldRecord(long userId, long roomId, long timeMs)
    {
        lock (gate)
        {
            return ShouldRecordLocked(userId, roomId, timeMs);
        }
    }

    private bool ShouldRecordLocked(long userId, long roomId, long timeMs)
    {
        var key = (userId, roomId);
        if (written.TryGetValue(key, out var at) && timeMs - at < RefreshMs)
        {
            return false;
        }

        if (written.Count >= MaxEntries)
        {
            written.Clear();
        }

        written[key] = timeMs;
        return true;
    }
}
