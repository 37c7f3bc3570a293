using System.Globalization;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Live.StatsService.Storage;

/// <summary>
/// Every Redis key StatsService uses, under one configurable prefix. The batch script touches many rooms at
/// once, so these keys are meant for one Redis primary (see docs/adr/0004-gifts-and-stats.md).
/// </summary>
public sealed class StatsKeys(IOptions<StatsOptions> options)
{
    /// <summary>Fields of the per-room hash.</summary>
    public static class Field
    {
        public const string Anchor = "anchor";
        public const string Title = "title";
        public const string Category = "cat";
        public const string Live = "live";
        public const string EventTimeMs = "ets";
        public const string Viewers = "viewers";
        public const string Messages = "msgs";
        public const string GiftValue = "gv";
        public const string GiftCount = "gc";
        public const string MessageDecayed = "mv";
        public const string MessageDecayedAt = "mt";
        public const string GiftDecayed = "gdv";
        public const string GiftDecayedAt = "gdt";
        public const string Heat = "heat";
        public const string SaleOrders = "so";
        public const string SaleUnits = "su";
        public const string SaleRevenue = "sr";
    }

    private readonly string prefix = options.Value.KeyPrefix;

    public RedisKey Room(long roomId) => prefix + "r:" + Id(roomId);

    /// <summary>Hash of second-of-minute → messages, for one minute (Unix minutes).</summary>
    public RedisKey RoomRate(long roomId, long minute) => prefix + "r:" + Id(roomId) + ":m:" + Id(minute);

    /// <summary>HyperLogLog of the senders of one minute.</summary>
    public RedisKey RoomSenders(long roomId, long minute) => prefix + "r:" + Id(roomId) + ":u:" + Id(minute);

    /// <summary>Bitmap of the room's seqs whose message is counted (and not deleted since).</summary>
    public RedisKey CountedMessages(long roomId) => prefix + "r:" + Id(roomId) + ":mc";

    /// <summary>Set when deleting message <paramref name="seq"/> took a counted message back: the delete's record position.</summary>
    public RedisKey CountedDelete(long roomId, long seq) => prefix + "r:" + Id(roomId) + ":d:" + Id(seq);

    public RedisKey LiveRooms => prefix + "live";

    public RedisKey AnchorLiveRooms(long anchorUserId) => prefix + "a:" + Id(anchorUserId) + ":live";

    public RedisKey RoomGifters(long roomId) => prefix + "lb:r:" + Id(roomId);

    public RedisKey TopAnchors => prefix + "lb:a";

    public RedisKey TopAnchorsOfDay(DateOnly day) => prefix + "lb:a:" + day.ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    public RedisKey GiftSeen(string idempotencyKey) => prefix + "g:" + idempotencyKey;

    /// <summary>Set once a paid order (by id, "sale-seq") is counted in its room's sales.</summary>
    public RedisKey SaleSeen(string orderId) => prefix + "s:" + orderId;

    /// <summary>Sorted set room → last interaction (Unix ms) of one user.</summary>
    public RedisKey UserSeenRooms(long userId) => prefix + "u:" + Id(userId) + ":seen";

    public RedisKey Watermark(string topic, int partition) => prefix + "wm:" + topic + ":" + Id(partition);

    /// <summary>Hot rooms of every category.</summary>
    public RedisKey HotRooms => prefix + "hot";

    public RedisKey HotRoomsOf(string category) => prefix + "hot:" + category;

    /// <summary>The categories that have a hot-room set, so the ranker can drop the ones that emptied.</summary>
    public RedisKey HotCategories => prefix + "hotidx";

    public RedisKey Lease(string name) => prefix + "lease:" + name;

    private static string Id(long id) => id.ToString(CultureInfo.InvariantCulture);
}
