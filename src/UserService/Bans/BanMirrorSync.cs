using Live.Bans;
using Live.UserService.Telemetry;
using StackExchange.Redis;

namespace Live.UserService.Bans;

/// <summary>
/// Copies every active ban from MySQL into the Redis mirror at start-up and then every minute, so a Redis
/// that restarted empty, or missed a write, is repaired without anyone re-banning. Only adds and prunes
/// expired entries: removing is left to unbans, so a pass racing a fresh ban can never drop it.
/// </summary>
public sealed class BanMirrorSync(IServiceScopeFactory scopes, IConnectionMultiplexer redis, TimeProvider time, ILogger<BanMirrorSync> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var delay = Interval;
            try
            {
                await MirrorAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                Log.BanMirrorFailed(logger, ex);
                delay = TimeSpan.FromSeconds(5);
            }

            try
            {
                await Task.Delay(delay, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task MirrorAsync(CancellationToken ct)
    {
        List<BanRecord> bans;
        await using (var scope = scopes.CreateAsyncScope())
        {
            bans = await scope.ServiceProvider.GetRequiredService<BanStore>().AllActiveAsync(ct);
        }

        var db = redis.GetDatabase();
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var batch = db.CreateBatch();
        var pending = new List<Task>(bans.Count + 3)
        {
            batch.SortedSetRemoveRangeByScoreAsync(BanKeys.Users, double.NegativeInfinity, now),
            batch.SortedSetRemoveRangeByScoreAsync(BanKeys.Ips, double.NegativeInfinity, now),
            batch.SortedSetRemoveRangeByScoreAsync(BanKeys.Shadows, double.NegativeInfinity, now),
        };
        foreach (var ban in bans)
        {
            pending.Add(batch.SortedSetAddAsync(BanKeys.For(ban.Kind), ban.Subject, BanStore.ExpiryScore(ban)));
        }

        batch.Execute();
        await Task.WhenAll(pending);
    }
}
