using Live.StatsService.Leasing;
using Live.StatsService.Storage;
using Live.StatsService.Telemetry;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Live.StatsService.Rollups;

/// <summary>Keeps MySQL bounded: deletes rollups past retention and gift dedup keys past their window.</summary>
public sealed class StatsMaintenance(
    IConnectionMultiplexer redis,
    StatsKeys keys,
    RollupWriter rollups,
    IOptions<StatsOptions> options,
    TimeProvider time,
    ILogger<StatsMaintenance> logger) : LeasedPeriodicService(redis, keys, time)
{
    protected override string LeaseName => "maintenance";

    protected override TimeSpan Interval => TimeSpan.FromMinutes(10);

    protected override void LogFailure(Exception exception) => Log.MaintenanceFailed(logger, exception);

    protected override async Task RunOnceAsync(CancellationToken ct)
    {
        // A bounded chunk per statement; keep going while chunks come back full.
        while (await rollups.PruneAsync(options.Value.RollupRetentionDays, options.Value.GiftDedupDays, ct) >= 10_000)
        {
        }
    }
}
