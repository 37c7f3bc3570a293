using System.Globalization;
using Live.StatsService.Leasing;
using Live.StatsService.Storage;
using Live.StatsService.Telemetry;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Live.StatsService.Heat;

/// <summary>
/// Recomputes the heat of every live room each <see cref="StatsOptions.HeatRankIntervalMs"/> and replaces the
/// hot-room sorted sets (all rooms, and one per category) in one transaction. Decay depends on the time of
/// reading, so scores are refreshed rather than updated per event; the work is bounded by the live rooms.
/// </summary>
public sealed class HeatRanker(
    IConnectionMultiplexer redis,
    StatsKeys keys,
    HeatScore heat,
    IOptions<StatsOptions> options,
    TimeProvider time,
    ILogger<HeatRanker> logger) : LeasedPeriodicService(redis, keys, time)
{
    private static readonly RedisValue[] Fields =
    [
        StatsKeys.Field.Category, StatsKeys.Field.Viewers, StatsKeys.Field.MessageDecayed, StatsKeys.Field.MessageDecayedAt,
        StatsKeys.Field.GiftDecayed, StatsKeys.Field.GiftDecayedAt,
    ];

    protected override string LeaseName => "heat";

    protected override TimeSpan Interval => TimeSpan.FromMilliseconds(options.Value.HeatRankIntervalMs);

    protected override void LogFailure(Exception exception) => Log.HeatRankingFailed(logger, exception);

    protected override async Task RunOnceAsync(CancellationToken ct)
    {
        var db = Redis.GetDatabase();
        var rooms = await LiveRooms.ReadAsync(db, Keys, options.Value.MaxLiveRooms);
        var now = Time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0;
        var batch = db.CreateBatch();
        var reads = rooms.Select(room => batch.HashGetAsync(Keys.Room(room), Fields)).ToList();
        batch.Execute();

        var byCategory = new Dictionary<string, List<SortedSetEntry>>(StringComparer.Ordinal);
        var all = new List<SortedSetEntry>(rooms.Count);
        var scores = new List<(long Room, double Heat)>(rooms.Count);
        for (var i = 0; i < rooms.Count; i++)
        {
            var f = await reads[i];
            var score = heat.Compute(
                (long)Number(f[1]),
                heat.MessageRate(Number(f[2]), Number(f[3]), now),
                heat.GiftCoinsPerMinute(Number(f[4]), Number(f[5]), now));
            var entry = new SortedSetEntry(rooms[i], score);
            all.Add(entry);
            scores.Add((rooms[i], score));
            var category = f[0].IsNullOrEmpty ? string.Empty : f[0].ToString();
            if (category.Length > 0)
            {
                if (!byCategory.TryGetValue(category, out var list))
                {
                    byCategory[category] = list = [];
                }

                list.Add(entry);
            }
        }

        var previous = await db.SetMembersAsync(Keys.HotCategories);
        var transaction = db.CreateTransaction();
        foreach (var category in previous)
        {
            if (!byCategory.ContainsKey(category.ToString()))
            {
                _ = transaction.KeyDeleteAsync(Keys.HotRoomsOf(category.ToString()));
            }
        }

        _ = transaction.KeyDeleteAsync(Keys.HotRooms);
        _ = transaction.KeyDeleteAsync(Keys.HotCategories);
        if (all.Count > 0)
        {
            _ = transaction.SortedSetAddAsync(Keys.HotRooms, [.. all]);
        }

        foreach (var (category, entries) in byCategory)
        {
            _ = transaction.KeyDeleteAsync(Keys.HotRoomsOf(category));
            _ = transaction.SortedSetAddAsync(Keys.HotRoomsOf(category), [.. entries]);
            _ = transaction.SetAddAsync(Keys.HotCategories, category);
        }

        foreach (var (room, score) in scores)
        {
            _ = transaction.HashSetAsync(Keys.Room(room), StatsKeys.Field.Heat, score.ToString("R", CultureInfo.InvariantCulture));
        }

        await transaction.ExecuteAsync();
    }

    internal static double Number(RedisValue value) =>
        value.IsNullOrEmpty ? 0 : double.Parse(value.ToString(), NumberStyles.Float, CultureInfo.InvariantCulture);
}
