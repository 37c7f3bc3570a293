using System.Collections.Concurrent;

namespace Live.Tools.LoadGen.Measurement;

/// <summary>Rare events (errors, closes, failed connects) and the sender's totals; safe from any thread.</summary>
public sealed class LoadCounters
{
    private readonly ConcurrentDictionary<string, long> errorFrames = new();
    private readonly ConcurrentDictionary<string, long> closes = new();
    private long sent;
    private long sendFailures;
    private long sendsSkippedBusy;
    private long malformedFrames;
    private long connectFailures;

    public long Sent => Volatile.Read(ref sent);
    public long SendFailures => Volatile.Read(ref sendFailures);

    /// <summary>Sends due while the sender's previous send was still in progress (the client or server is behind).</summary>
    public long SendsSkippedBusy => Volatile.Read(ref sendsSkippedBusy);

    public long MalformedFrames => Volatile.Read(ref malformedFrames);
    public long ConnectFailures => Volatile.Read(ref connectFailures);

    public IReadOnlyDictionary<string, long> ErrorFrames => new SortedDictionary<string, long>(errorFrames);

    /// <summary>Connections that ended during the run, by close code (1006: lost without a close frame).</summary>
    public IReadOnlyDictionary<string, long> Closes => new SortedDictionary<string, long>(closes);

    public long CloseCount
    {
        get
        {
            long total = 0;
            foreach (var count in closes.Values)
            {
                total += count;
            }

            return total;
        }
    }

    public void MessageSent() => Interlocked.Increment(ref sent);
    public void SendFailed() => Interlocked.Increment(ref sendFailures);
    public void SendSkippedBusy() => Interlocked.Increment(ref sendsSkippedBusy);
    public void MalformedFrame() => Interlocked.Increment(ref malformedFrames);
    public void ConnectFailed() => Interlocked.Increment(ref connectFailures);
    public void ErrorFrame(string name) => errorFrames.AddOrUpdate(name, 1, static (_, n) => n + 1);
    public void Closed(string code) => closes.AddOrUpdate(code, 1, static (_, n) => n + 1);
}
