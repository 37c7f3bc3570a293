using System.Globalization;
using Live.StatsService.Heat;
using Live.StatsService.Storage;
using Live.V1;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Live.StatsService.Recommendations;

/// <summary>
/// RecommendRooms (docs/stats.md): recall live rooms of followed anchors, hot rooms of the categories the user
/// was active in and hot rooms overall; drop rooms the user was in recently; rank by
/// score = w_f·followed + w_c·affinity(category) + w_h·heat/maxHeat; then rerank greedily so no category has
/// more than <see cref="RecommendationOptions.CategoryCap"/> rooms unless nothing else is left.
/// </summary>
public sealed class RoomRecommender(
    IConnectionMultiplexer redis,
    StatsKeys keys,
    FollowStore follows,
    IOptions<RecommendationOptions> options,
    IOptions<StatsOptions> statsOptions,
    TimeProvider time)
{
    private static readonly RedisValue[] Fields =
    [
        StatsKeys.Field.Anchor, StatsKeys.Field.Title, StatsKeys.Field.Category, StatsKeys.Field.Heat, StatsKeys.Field.Live,
    ];

    private readonly RecommendationOptions settings = options.Value;

    public async Task<RecommendRoomsResponse> RecommendAsync(long userId, int limit, CancellationToken ct)
    {
        var db = redis.GetDatabase();
        var followed = (await follows.ListAsync(userId, ct)).ToHashSet();
        var seen = await db.SortedSetRangeByRankWithScoresAsync(keys.UserSeenRooms(userId), 0, statsOptions.Value.SeenRoomsPerUser - 1, Order.Descending);
        var recall = Math.Max(limit * 5, 50);

        // Round trip 1: the categories of the rooms the user was in, followed anchors' live rooms, hot rooms.
        var batch = db.CreateBatch();
        var seenCategories = seen.Select(s => batch.HashGetAsync(keys.Room(Id(s.Element)), StatsKeys.Field.Category)).ToList();
        var followedLive = followed.Select(a => batch.SetMembersAsync(keys.AnchorLiveRooms(a))).ToList();
        var hot = batch.SortedSetRangeByRankAsync(keys.HotRooms, 0, recall - 1, Order.Descending);
        batch.Execute();

        var candidates = new HashSet<long>();
        foreach (var rooms in followedLive)
        {
            foreach (var room in await rooms)
            {
                candidates.Add(Id(room));
            }
        }

        foreach (var room in await hot)
        {
            candidates.Add(Id(room));
        }

        var affinity = await CategoryAffinityAsync(seenCategories);
        var topCategories = affinity.OrderByDescending(a => a.Value).ThenBy(a => a.Key, StringComparer.Ordinal)
            .Take(settings.RecallCategories).Select(a => a.Key).ToList();

        // Round trip 2: hot rooms of the user's categories.
        batch = db.CreateBatch();
        var categoryHot = topCategories.Select(c => batch.SortedSetRangeByRankAsync(keys.HotRoomsOf(c), 0, recall - 1, Order.Descending)).ToList();
        batch.Execute();
        var viaCategory = new HashSet<long>();
        foreach (var rooms in categoryHot)
        {
            foreach (var room in await rooms)
            {
                candidates.Add(Id(room));
                viaCategory.Add(Id(room));
            }
        }

        // Round trip 3: what each candidate is now.
        var ids = candidates.ToList();
        batch = db.CreateBatch();
        var details = ids.Select(id => batch.HashGetAsync(keys.Room(id), Fields)).ToList();
        batch.Execute();

        var recentCutoff = time.GetUtcNow().AddMinutes(-settings.SeenWindowMinutes).ToUnixTimeMilliseconds();
        var recentlySeen = seen.Where(s => s.Score >= recentCutoff).Select(s => Id(s.Element)).ToHashSet();
        var ranked = new List<RecommendedRoom>();
        var maxHeat = 0.0;
        var kept = new List<(long Id, RedisValue[] Fields)>();
        for (var i = 0; i < ids.Count; i++)
        {
            var f = await details[i];
            if (f[4] != "1" || recentlySeen.Contains(ids[i]))
            {
                continue;
            }

            kept.Add((ids[i], f));
            maxHeat = Math.Max(maxHeat, HeatRanker.Number(f[3]));
        }

        foreach (var (id, f) in kept)
        {
            var anchor = (long)HeatRanker.Number(f[0]);
            var category = f[2].IsNull ? string.Empty : f[2].ToString();
            var heat = HeatRanker.Number(f[3]);
            var isFollowed = followed.Contains(anchor);
            var categoryAffinity = affinity.GetValueOrDefault(category);
            var score = settings.FollowedWeight * (isFollowed ? 1 : 0)
                + settings.CategoryWeight * categoryAffinity
                + settings.HeatWeight * (maxHeat > 0 ? heat / maxHeat : 0);
            ranked.Add(new RecommendedRoom
            {
                RoomId = id,
                AnchorUserId = anchor,
                Title = f[1].IsNull ? string.Empty : f[1].ToString(),
                Category = category,
                Heat = heat,
                Score = score,
                Source = isFollowed ? RecommendationSource.Followed
                    : viaCategory.Contains(id) && categoryAffinity > 0 ? RecommendationSource.Category
                    : RecommendationSource.Hot,
            });
        }

        ranked.Sort((a, b) => b.Score != a.Score ? b.Score.CompareTo(a.Score)
            : b.Heat != a.Heat ? b.Heat.CompareTo(a.Heat)
            : a.RoomId.CompareTo(b.RoomId));
        var response = new RecommendRoomsResponse { ColdStart = followed.Count == 0 && seen.Length == 0 };
        response.Rooms.AddRange(Diversify(ranked, limit, settings.CategoryCap));
        return response;
    }

    /// <summary>Greedy: take rooms in rank order while their category is under the cap; fill up with the skipped ones if short.</summary>
    internal static List<RecommendedRoom> Diversify(List<RecommendedRoom> ranked, int limit, int cap)
    {
        var picked = new List<RecommendedRoom>(limit);
        var skipped = new List<RecommendedRoom>();
        var perCategory = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var room in ranked)
        {
            if (picked.Count == limit)
            {
                break;
            }

            var taken = perCategory.GetValueOrDefault(room.Category);
            if (taken < cap)
            {
                perCategory[room.Category] = taken + 1;
                picked.Add(room);
            }
            else
            {
                skipped.Add(room);
            }
        }

        foreach (var room in skipped)
        {
            if (picked.Count == limit)
            {
                break;
            }

            picked.Add(room);
        }

        return picked;
    }

    /// <summary>Share of the user's recent rooms in each category (0..1).</summary>
    private static async Task<Dictionary<string, double>> CategoryAffinityAsync(List<Task<RedisValue>> categories)
    {
        var counts = new Dictionary<string, double>(StringComparer.Ordinal);
        var total = 0;
        foreach (var read in categories)
        {
            var category = await read;
            if (category.IsNullOrEmpty)
            {
                continue;
            }

            counts[category.ToString()] = counts.GetValueOrDefault(category.ToString()) + 1;
            total++;
        }

        foreach (var category in counts.Keys.ToList())
        {
            counts[category] /= total;
        }

        return counts;
    }

    private static long Id(RedisValue value) => long.Parse(value.ToString(), NumberStyles.None, CultureInfo.InvariantCulture);
}
