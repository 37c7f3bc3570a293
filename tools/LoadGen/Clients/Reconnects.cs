using System.Collections.Concurrent;

namespace Live.Tools.LoadGen.Clients;

/// <summary>
/// Reconnect delays, the SDK's policy (web/sdk/src/room/backoff.ts): attempt n waits a uniform random time in
/// [0, min(30 s, 500 ms · 2^n)), so clients cut off together spread their returns instead of arriving at once.
/// </summary>
public static class ReconnectBackoff
{
    public const int InitialMs = 500;
    public const int MaxMs = 30_000;

    /// <summary>An attempt whose upgrade has not been answered by then is given up and counts as failed.</summary>
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(10);

    public static TimeSpan Delay(int attempt) =>
        TimeSpan.FromMilliseconds(Math.Floor(Random.Shared.NextDouble() * Math.Min(MaxMs, InitialMs * Math.Pow(2, Math.Min(attempt, 30)))));
}

/// <summary>One lost connection and its return: Unix ms when it ended, when the new one was live again, and the tries.</summary>
public sealed record ReconnectSample(long LostAtUnixMs, long BackAtUnixMs, int Attempts);

/// <summary>The viewers' lost connections and returns in a run; safe from any thread, its samples bounded.</summary>
public sealed class ReconnectLog
{
    /// <summary>Samples kept at most (a few reconnects per viewer of the largest run); later ones are only counted.</summary>
    public const int MaxSamples = 100_000;

    private readonly ConcurrentQueue<ReconnectSample> samples = new();
    private long lost;
    private long back;
    private long failedAttempts;
    private long firstConnectsFailed;
    private long samplesDropped;

    /// <summary>Connections lost and not yet live again.</summary>
    public long Down => Volatile.Read(ref lost) - Volatile.Read(ref back);

    public long Lost => Volatile.Read(ref lost);
    public long Back => Volatile.Read(ref back);
    public long FailedAttempts => Volatile.Read(ref failedAttempts);

    /// <summary>First connects that failed and were tried again (each failed try counts).</summary>
    public long FirstConnectsFailed => Volatile.Read(ref firstConnectsFailed);
    public long SamplesDropped => Volatile.Read(ref samplesDropped);
    public IReadOnlyCollection<ReconnectSample> Samples => samples;

    public void ConnectionLost() => Interlocked.Increment(ref lost);
    public void AttemptFailed() => Interlocked.Increment(ref failedAttempts);
    public void FirstConnectFailed() => Interlocked.Increment(ref firstConnectsFailed);

    public void Returned(long lostAtUnixMs, long backAtUnixMs, int attempts)
    {
        Interlocked.Increment(ref back);
        if (samples.Count < MaxSamples)
        {
            samples.Enqueue(new ReconnectSample(lostAtUnixMs, backAtUnixMs, attempts));
        }
        else
        {
            Interlocked.Increment(ref samplesDropped);
        }
    }
}
