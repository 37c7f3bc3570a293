using System.Collections.Concurrent;

namespace Live.ServiceDefaults.Concurrency;

/// <summary>
/// Callers that ask for the same key while a load of it is in flight share that load instead of starting their
/// own, so a herd of identical requests (thousands of clients returning together after a restart) costs the
/// service behind it one call. Holds only the loads in flight: an entry leaves when its load ends.
/// </summary>
public sealed class SingleFlight<TKey, TValue>
    where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, Lazy<Task<TValue>>> inFlight = new();

    /// <summary>Loads in flight now.</summary>
    public int InFlight => inFlight.Count;

    /// <param name="load">
    /// Runs without any caller's cancellation, since others may be waiting for it: bound it with a deadline.
    /// </param>
    /// <param name="state">Passed to <paramref name="load"/>, so a static lambda needs no closure.</param>
    /// <param name="cancellationToken">Stops this caller's wait only.</param>
    public Task<TValue> RunAsync<TState>(TKey key, Func<TKey, TState, Task<TValue>> load, TState state, CancellationToken cancellationToken = default)
    {
        if (inFlight.TryGetValue(key, out var running))
        {
            return running.Value.WaitAsync(cancellationToken);
        }

        var flight = new Lazy<Task<TValue>>(() => LoadAsync(key, load, state));
        return inFlight.GetOrAdd(key, flight).Value.WaitAsync(cancellationToken);
    }

    private async Task<TValue> LoadAsync<TState>(TKey key, Func<TKey, TState, Task<TValue>> load, TState state)
    {
        try
        {
            return await load(key, state);
        }
        finally
        {
            inFlight.TryRemove(key, out _);
        }
    }
}
