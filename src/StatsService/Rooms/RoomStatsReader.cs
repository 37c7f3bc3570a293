using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Live.StatsService.Heat;
using Live.StatsService.Storage;
using Live.V1;
using StackExchange.Redis;

namespace Live.StatsService.Rooms;

/// <summary>Reads RoomStats of many rooms in one pipelined round trip.</summary>
public sealed class RoomStatsReader(IConnectionMultiplexer redis, StatsKeys keys, TimeProvider time)
{
    private static readonly RedisValue[] Fields =
    [
        StatsKeys.Field.Viewers, StatsKeys.Field.GiftValue, StatsKeys.Field.GiftCount, StatsKeys.Field.Heat,
        StatsKeys.Field.Live, StatsKeys.Field.Category, StatsKeys.Field.SaleOrders, StatsKeys.Field.SaleUnits,
        StatsKeys.Field.SaleRevenue,
    ];

    public async Task<RoomStats> ReadAsync(long roomId) => (await ReadAsync([roomId]))[0];

    public async Task<RoomStats[]> ReadAsync(IReadOnlyList<long> roomIds)
    {
        var now = time.GetUtcNow();
        var nowSecond = now.ToUnixTimeSeconds();
        var currentMinute = nowSecond / 60;
        var batch = redis.GetDatabase().CreateBatch();
        var reads = new (Task<RedisValue[]> Room, Task<HashEntry[]> Current, Task<HashEntry[]> Previous, Task<long> Senders)[roomIds.Count];
        for (var i = 0; i < roomIds.Count; i++)
        {
            var roomId = roomIds[i];
            var hour = new RedisKey[60];
            for (var m = 0; m < 60; m++)
            {
                hour[m] = keys.RoomSenders(roomId, currentMinute - m);
            }

            reads[i] = (
                batch.HashGetAsync(keys.Room(roomId), Fields),
                batch.HashGetAllAsync(keys.RoomRate(roomId, currentMinute)),
                batch.HashGetAllAsync(keys.RoomRate(roomId, currentMinute - 1)),
                batch.HyperLogLogLengthAsync(hour));
        }

        batch.Execute();
        var stats = new RoomStats[roomIds.Count];
        for (var i = 0; i < roomIds.Count; i++)
        {
            var room = await reads[i].Room;
            var perSecond = new Dictionary<long, long>();
            Collect(perSecond, await reads[i].Current, currentMinute);
            Collect(perSecond, await reads[i].Previous, currentMinute - 1);
            long lastMinute = 0;
            for (var s = nowSecond - 60; s < nowSecond; s++)
            {
                lastMinute += perSecond.GetValueOrDefault(s);
            }

            stats[i] = new RoomStats
            {
                RoomId = roomIds[i],
                Viewers = (long)HeatRanker.Number(room[0]),
                MessagesPerSecond = perSecond.GetValueOrDefault(nowSecond - 1),
                MessagesPerSecond1M = lastMinute / 60.0,
                UniqueSenders1H = await reads[i].Senders,
                GiftValue = (long)HeatRanker.Number(room[1]),
                GiftCount = (long)HeatRanker.Number(room[2]),
                Heat = room[4] == "1" ? HeatRanker.Number(room[3]) : 0,
                Live = room[4] == "1",
                Category = room[5].IsNull ? string.Empty : room[5].ToString(),
                ComputedAt = Timestamp.FromDateTimeOffset(now),
                Orders = (long)HeatRanker.Number(room[6]),
                UnitsSold = (long)HeatRanker.Number(room[7]),
                SalesRevenueCoins = (long)HeatRanker.Number(room[8]),
            };
        }

        return stats;
    }

    private static void Collect(Dictionary<long, long> perSecond, HashEntry[] entries, long minute)
    {
        foreach (var entry in entries)
        {
            perSecond[minute * 60 + long.Parse(entry.Name.ToString(), NumberStyles.None, CultureInfo.InvariantCulture)] = (long)entry.Value;
        }
    }
}
