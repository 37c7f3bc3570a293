namespace Live.MessageService.Fanout;

/// <summary>
/// Hot-room down-sampling of ordinary danmaku: a token bucket of the room's display rate (burst of one
/// second). Each batch keeps as many danmaku as there are tokens, spread evenly over the batch; gifts and
/// system messages are not counted here and always pass. Used only by the flushing loop (not thread-safe).
/// </summary>
public sealed class DisplaySampler(int ratePerSecond, long startTimestamp, long timestampFrequency)
{
    private double tokens = ratePerSecond;
    private long lastTimestamp = startTimestamp;

    /// <summary>How many of <paramref name="danmaku"/> ordinary messages this batch may show.</summary>
    public int Budget(int danmaku, long nowTimestamp)
    {
        var elapsedSeconds = (double)(nowTimestamp - lastTimestamp) / timestampFrequency;
        lastTimestamp = nowTimestamp;
        tokens = Math.Min(ratePerSecond, tokens + elapsedSeconds * ratePerSecond);
        var allowed = (int)Math.Min(danmaku, Math.Floor(tokens));
        tokens -= allowed;
        return allowed;
    }

    /// <summary>Whether the index-th of <paramref name="total"/> danmaku is one of the <paramref name="budget"/> kept (evenly spread).</summary>
    public static bool Keeps(int index, int total, int budget) =>
        budget >= total || (long)(index + 1) * budget / total > (long)index * budget / total;
}
