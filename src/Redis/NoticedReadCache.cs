using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Live.Redis;

/// <summary>
/// The base of a process-local read cache kept in step with the other replicas: a change made through this
/// process is forgotten here at once and announced on a Redis channel (the id, as a number), on which every
/// replica forgets its copy. A notice can be lost while Redis is unreachable, so entries must also expire; once
/// the connection is back, everything is forgotten.
/// </summary>
public abstract partial class NoticedReadCache(IConnectionMultiplexer redis, RedisChannel changes, ILogger logger) : BackgroundService
{
    private static readonly TimeSpan ResubscribeDelay = TimeSpan.FromSeconds(1);

    /// <summary>False when the cache is configured off: nothing is kept, so nothing needs notices.</summary>
    protected abstract bool Enabled { get; }

    /// <summary>How long an entry lives, which bounds how stale a copy can be when a notice is lost.</summary>
    protected abstract TimeSpan Lifetime { get; }

    /// <summary>Forget what depends on this id.</summary>
    protected abstract void Forget(long id);

    protected abstract void ForgetAll();

    /// <summary>The entity changed through this process: forget it here, and tell the other replicas.</summary>
    public async Task ChangedAsync(long id)
    {
        Forget(id);
        if (!Enabled)
        {
            return;
        }

        try
        {
            await redis.GetSubscriber().PublishAsync(changes, id);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Log.NoticeFailed(logger, changes.ToString(), id, (long)Lifetime.TotalMilliseconds, ex);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Enabled)
        {
            return;
        }

        redis.ConnectionRestored += OnConnectionRestored;
        try
        {
            while (!await TrySubscribeAsync())
            {
                await Task.Delay(ResubscribeDelay, stoppingToken);
            }

            await Task.Delay(Timeout.Infinite, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
        finally
        {
            redis.ConnectionRestored -= OnConnectionRestored;
        }
    }

    private async Task<bool> TrySubscribeAsync()
    {
        try
        {
            await redis.GetSubscriber().SubscribeAsync(changes, (_, message) =>
            {
                if (message.TryParse(out long id))
                {
                    Forget(id);
                }
                else
                {
                    ForgetAll();
                }
            });
            // Changes announced before the subscription took effect were not heard.
            ForgetAll();
            return true;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return false;
        }
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e) => ForgetAll();

    private static partial class Log
    {
        [LoggerMessage(EventId = 410, Level = LogLevel.Warning, Message = "Could not announce on {Channel} that {Id} changed; the other replicas' copies expire within {LifetimeMs} ms")]
        public static partial void NoticeFailed(ILogger logger, string channel, long id, long lifetimeMs, Exception exception);
    }
}
