using StackExchange.Redis;

namespace Live.MessageService.Fanout;

/// <summary>
/// Watches the multiplexer's pub/sub connection: when it comes back after a failure (a Redis restart, a
/// failover, a network cut), the rooms this node fans out may have missed frames, and <see cref="RoomHub"/>
/// makes their clients resume from history. The interactive connection does not carry room traffic (RESP2,
/// the default: subscriptions have a connection of their own).
/// </summary>
public sealed class SubscriptionLossWatcher(IConnectionMultiplexer redis, RoomHub hub) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        redis.ConnectionRestored += OnConnectionRestored;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        redis.ConnectionRestored -= OnConnectionRestored;
        return Task.CompletedTask;
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        if (e.ConnectionType == ConnectionType.Subscription)
        {
            _ = hub.InterruptAllAsync();
        }
    }
}
