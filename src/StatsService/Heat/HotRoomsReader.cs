using System.Globalization;
using Live.ServiceDefaults.Grpc;
using Live.StatsService.Storage;
using Live.V1;
using StackExchange.Redis;

namespace Live.StatsService.Heat;

/// <summary>GetHotRooms: the ranker's sorted set (all rooms or one category) with each room's details.</summary>
public sealed class HotRoomsReader(IConnectionMultiplexer redis, StatsKeys keys, HeatScore heat, TimeProvider time)
{
    private static readonly RedisValue[] Fields =
    [
        StatsKeys.Field.Anchor, StatsKeys.Field.Title, StatsKeys.Field.Category, StatsKeys.Field.Viewers,
        StatsKeys.Field.MessageDecayed, StatsKeys.Field.MessageDecayedAt,
    ];

    public async Task<GetHotRoomsResponse> ReadAsync(string category, int requestedLimit)
    {
        var limit = requestedLimit == 0 ? 20 : requestedLimit;
        if (limit is < 1 or > 100)
        {
            RpcErrors.InvalidArgument($"limit must be 1..100; got {requestedLimit}.");
        }

        var db = redis.GetDatabase();
        var top = await db.SortedSetRangeByRankWithScoresAsync(category.Length == 0 ? keys.HotRooms : keys.HotRoomsOf(category), 0, limit - 1, Order.Descending);
        var batch = db.CreateBatch();
        var details = top.Select(e => batch.HashGetAsync(keys.Room(Id(e.Element)), Fields)).ToList();
        batch.Execute();
        var now = time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0;
        var response = new GetHotRoomsResponse();
        for (var i = 0; i < top.Length; i++)
        {
            var f = await details[i];
            response.Rooms.Add(new HotRoom
            {
                RoomId = Id(top[i].Element),
                AnchorUserId = (long)HeatRanker.Number(f[0]),
                Title = f[1].IsNull ? string.Empty : f[1].ToString(),
                Category = f[2].IsNull ? string.Empty : f[2].ToString(),
                Heat = top[i].Score,
                Viewers = (long)HeatRanker.Number(f[3]),
                MessagesPerSecond = heat.MessageRate(HeatRanker.Number(f[4]), HeatRanker.Number(f[5]), now),
            });
        }

        return response;
    }

    private static long Id(RedisValue value) => long.Parse(value.ToString(), NumberStyles.None, CultureInfo.InvariantCulture);
}
