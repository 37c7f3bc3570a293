using Live.StatsService.Storage;
using StackExchange.Redis;

namespace Live.StatsService.Leasing;

/// <summary>
/// Work every StatsService process could do but only one should per period (ranking, sampling): each tick a
/// process takes a Redis lease for the period, and only the holder works. A failed round is logged and the next
/// one tries again.
/// </summary>
public abstract class LeasedPeriodicService(IConnectionMultiplexer redis, StatsKeys keys, TimeProvider time) : BackgroundService
{
    protected IConnectionMultiplexer Redis { get; } = redis;
    protected StatsKeys Keys { get; } = keys;
    protected TimeProvider Time { get; } = time;

    private readonly string holder = Environment.MachineName + ":" + Environment.ProcessId + ":" + Guid.NewGuid().ToString("N")[..8];

    protected abstract string LeaseName { get; }

    protected abstract TimeSpan Interval { get; }

    protected abstract Task RunOnceAsync(CancellationToken ct);

    protected abstract void LogFailure(Exception exception);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, Time);
        try
        {
            do
            {
                try
                {
                    // Slightly shorter than the period, so the lease is free again at the next tick.
                    var lease = TimeSpan.FromMilliseconds(Interval.TotalMilliseconds * 0.9);
                    if (await Redis.GetDatabase().StringSetAsync(Keys.Lease(LeaseName), holder, lease, When.NotExists))
                    {
                        await RunOnceAsync(stoppingToken);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogFailure(ex);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }
}
