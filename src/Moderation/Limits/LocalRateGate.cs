using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Live.Moderation.Limits;

/// <summary>
/// In-process token buckets per (user, room) with the same rate and burst as the Redis bucket, so a flood is
/// refused here without a Redis round trip. The local bucket is charged only for messages this node sent
/// to Redis and Redis admitted (a Redis rate refusal is refunded), so it has spent at most what the shared
/// bucket has: when it is empty the shared one is too, and refusing locally never refuses a message that
/// Redis would have let through. It also counts refusals to spot repeat flooders. Bounded: past
/// <see cref="ModerationOptions.MaxLocalBuckets"/> idle buckets are evicted, then any; an evicted bucket
/// comes back full, which keeps the bound above conservative.
/// </summary>
public sealed class LocalRateGate(IOptions<ModerationOptions> options)
{
    private readonly int maxBuckets = options.Value.MaxLocalBuckets;
    private readonly long floodWindowMs = options.Value.FloodWindowSeconds * 1000L;
    private readonly int disconnectAfter = options.Value.DisconnectAfterRefusals;
    private readonly long idleAfterMs = Math.Max(options.Value.FloodWindowSeconds * 1000L, (long)Math.Ceiling(options.Value.Burst * 1000 / options.Value.MessagesPerSecond));
    private readonly ConcurrentDictionary<(long User, long Room), Bucket> buckets = new();
    private int count;
    private int sweeping;

    public int Count => Volatile.Read(ref count);

    /// <summary>Takes a token, or says how long until one is due and whether the sender is now a repeat flooder.</summary>
    public LocalDecision TryTake(long userId, long roomId, RateLimit limit, long nowMs)
    {
        var bucket = GetBucket(userId, roomId, limit, nowMs);
        lock (bucket)
        {
            bucket.Refill(limit, nowMs);
            if (bucket.Tokens >= 1)
            {
                bucket.Tokens -= 1;
                return LocalDecision.Allowed;
            }

            var retryAfter = TimeSpan.FromMilliseconds(Math.Ceiling((1 - bucket.Tokens) * 1000 / limit.MessagesPerSecond));
            return new LocalDecision(false, retryAfter, bucket.CountRefusal(nowMs, floodWindowMs) >= disconnectAfter);
        }
    }

    /// <summary>
    /// Gives back a token taken by <see cref="TryTake"/> for a message the shared bucket was not charged for
    /// (Redis refused it for rate, or it never reached Redis). A rate refusal also counts towards flooding;
    /// returns true when the sender is now a repeat flooder.
    /// </summary>
    public bool Refund(long userId, long roomId, RateLimit limit, long nowMs, bool rateRefusal)
    {
        var bucket = GetBucket(userId, roomId, limit, nowMs);
        lock (bucket)
        {
            bucket.Tokens = Math.Min(limit.Burst, bucket.Tokens + 1);
            return rateRefusal && bucket.CountRefusal(nowMs, floodWindowMs) >= disconnectAfter;
        }
    }

    private Bucket GetBucket(long userId, long roomId, RateLimit limit, long nowMs)
    {
        var key = (userId, roomId);
        if (buckets.TryGetValue(key, out var bucket))
        {
            bucket.LastUsedMs = nowMs;
            return bucket;
        }

        var created = new Bucket(limit.Burst, nowMs);
        bucket = buckets.GetOrAdd(key, created);
        if (ReferenceEquals(bucket, created) && Interlocked.Increment(ref count) > maxBuckets)
        {
            Sweep(nowMs);
        }

        return bucket;
    }

    private void Sweep(long nowMs)
    {
        if (Interlocked.Exchange(ref sweeping, 1) == 1)
        {
            return;
        }

        try
        {
            foreach (var (key, bucket) in buckets)
            {
                if (nowMs - bucket.LastUsedMs > idleAfterMs && buckets.TryRemove(key, out _))
                {
                    Interlocked.Decrement(ref count);
                }
            }

            // Everyone is active: drop a quarter so the next sweep is far off.
            var target = maxBuckets * 3 / 4;
            foreach (var (key, _) in buckets)
            {
                if (Volatile.Read(ref count) <= target)
                {
                    break;
                }

                if (buckets.TryRemove(key, out _))
                {
                    Interlocked.Decrement(ref count);
                }
            }
        }
        finally
        {
            Volatile.Write(ref sweeping, 0);
        }
    }

    private sealed class Bucket(int burst, long nowMs)
    {
        public double Tokens = burst;
        public long StampMs = nowMs;
        public long LastUsedMs = nowMs;
        private int refusals;
        private long refusalWindowStartMs;

        public void Refill(RateLimit limit, long nowMs)
        {
            if (nowMs > StampMs)
            {
                Tokens = Math.Min(limit.Burst, Tokens + (nowMs - StampMs) * limit.MessagesPerSecond / 1000);
                StampMs = nowMs;
            }
        }

        public int CountRefusal(long nowMs, long windowMs)
        {
            if (nowMs - refusalWindowStartMs >= windowMs)
            {
                refusalWindowStartMs = nowMs;
                refusals = 0;
            }

            return ++refusals;
        }
    }
}

public readonly record struct LocalDecision(bool IsAllowed, TimeSpan RetryAfter, bool IsFlooding)
{
    public static readonly LocalDecision Allowed = new(true, TimeSpan.Zero, false);
}
