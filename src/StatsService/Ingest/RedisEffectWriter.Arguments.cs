using System.Globalization;
using Live.StatsService.Facts;
using StackExchange.Redis;

namespace Live.StatsService.Ingest;

/// <summary>How one gift, sale, room or sender fact becomes operations in the effects script's argument list.</summary>
public sealed partial class RedisEffectWriter
{
    private void AppendGift(List<RedisValue> args, GiftFact gift, int dedupSeconds, HashSet<DateOnly> giftDays)
    {
        args.Add("gift");
        args.Add(keys.GiftSeen(gift.Key).ToString());
        args.Add(dedupSeconds);
        args.Add(keys.Room(gift.RoomId).ToString());
        args.Add(keys.RoomGifters(gift.RoomId).ToString());
        args.Add(gift.Value);
        args.Add(gift.Count);
        args.Add(gift.SenderUserId);
        if (gift.AnchorUserId > 0)
        {
            var day = DateOnly.FromDateTime(DateTimeOffset.FromUnixTimeMilliseconds(gift.TimeMs).UtcDateTime);
            giftDays.Add(day);
            args.Add(gift.AnchorUserId);
            args.Add(keys.TopAnchors.ToString());
            args.Add(keys.TopAnchorsOfDay(day).ToString());
        }
        else
        {
            args.Add(0);
            args.Add(string.Empty);
            args.Add(string.Empty);
        }

        args.Add(Seconds(gift.TimeMs));
        args.Add(giftTau);
    }

    /// <summary>A paid order: counted by the first record of its order id, within the same window as gifts' keys.</summary>
    private void AppendSale(List<RedisValue> args, SaleFact sale, int dedupSeconds)
    {
        args.Add("sale");
        args.Add(keys.SaleSeen(sale.OrderId).ToString());
        args.Add(dedupSeconds);
        args.Add(keys.Room(sale.RoomId).ToString());
        args.Add(sale.Units);
        args.Add(sale.Coins);
    }

    private void AppendRoom(List<RedisValue> args, RoomFact room)
    {
        args.Add("rm");
        args.Add(keys.Room(room.RoomId).ToString());
        args.Add(keys.LiveRooms.ToString());
        args.Add(keys.AnchorLiveRooms(room.AnchorUserId).ToString());
        args.Add(room.RoomId);
        args.Add(room.TimeMs);
        args.Add(room.Live ? "1" : "0");
        args.Add(room.AnchorUserId);
        args.Add(room.Title);
        args.Add(room.Category);
        args.Add(EndedRoomTtlSeconds);
    }

    private static void Seen(Dictionary<(long, long), long> seen, long userId, long roomId, long timeMs)
    {
        if (userId <= 0)
        {
            return;
        }

        var key = (userId, roomId);
        if (!seen.TryGetValue(key, out var known) || known < timeMs)
        {
            seen[key] = timeMs;
        }
    }

    internal static void Op(List<RedisValue> args, string op, RedisKey key, long value)
    {
        args.Add(op);
        args.Add(key.ToString());
        args.Add(value);
    }

    internal static string Seconds(long timeMs) => (timeMs / 1000.0).ToString("R", CultureInfo.InvariantCulture);
}
