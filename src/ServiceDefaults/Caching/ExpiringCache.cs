using System.Collections.Concurrent;
using Live.ServiceDefaults.Concurrency;

namespace Live.ServiceDefaults.Caching;

/// <summary>
/// A process-local cache whose entries live for a fixed time, for answers that may be a little stale but are asked
/// for far more often than they change. Callers that miss together share one load. A load that began before an
/// invalidation is not stored, so a change made in this process is never hidden by an answer read before it.
/// Bounded: past <c>maxEntries</c> the expired entries are swept, and if that is not enough, all of them.
/// </summary>
public sealed class ExpiringCache<TKey, TValue>(TimeSpan ttl, int maxEntries, TimeProvider time)
    where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, Entry> entries = new();
    private readonly SingleFlight<TKey, TValue> loads = new();
    private readonly long ttlTicks = (long)(ttl.TotalSeconds * time.TimestampFrequency);
    private long generation;

    public int Count => entries.Count;

    public bool TryGet(TKey key, out TValue value)
    {
        if (entries.TryGetValue(key, out var entry) && time.GetTimestamp() < entry.ExpiresAt)
        {
            value = entry.Value;
            return true;
        }

        value = default!;
        return false;
    }

    /// <param name="load">Shared by the callers that miss together; bound it with a deadline.</param>
    public ValueTask<TValue> GetOrLoadAsync<TState>(TKey key, Func<TKey, TState, Task<TValue>> load, TState state, CancellationToken cancellationToken = default)
    {
        if (TryGet(key, out var value))
        {
            return new ValueTask<TValue>(value);
        }

        return new ValueTask<TValue>(loads.RunAsync(key, static (k, s) => s.Cache.LoadAsync(k, s.Load, s.State), (Cache: this, Load: load, State: state), cancellationToken));
    }

    /// <summary>Keeps an answer the caller obtained itself (one that must not be shared before it is known good).</summary>
    public void Set(TKey key, TValue value)
    {
        if (entries.Count >= maxEntries)
        {
            Sweep();
        }

        entries[key] = new Entry(value, time.GetTimestamp() + ttlTicks);
    }

    /// <summary>Forgets one entry, and keeps any load in flight now from storing what it read.</summary>
    public void Invalidate(TKey key)
    {
        Interlocked.Increment(ref generation);
        entries.TryRemove(key, out _);
    }

    /// <summary>Forgets every entry, and keeps any load in flight now from storing what it read.</summary>
    public void Clear()
    {
        Interlocked.Increment(ref generation);
        entries.Clear();
    }

    private async Task<TValue> LoadAsync<TState>(TKey key, Func<TKey, TState, Task<TValue>> load, TState state)
    {
        var before = Volatile.Read(ref generation);
        var value = await load(key, state);
        if (Volatile.Read(ref generation) == before)
        {
            Set(key, value);
            if (Volatile.Read(ref generation) != before)
            {
                // Invalidated while it was being stored.
                entries.TryRemove(key, out _);
            }
        }

        return value;
    }

    private void Sweep()
    {
        var now = time.GetTimestamp();
        foreach (var (key, entry) in entries)
        {
            if (entry.ExpiresAt <= now)
            {
                entries.TryRemove(key, out _);
            }
        }

        if (entries.Count >= maxEntries)
        {
            entries.Clear();
        }
    }

    private readonly record struct Entry(TValue Value, long ExpiresAt);
}
