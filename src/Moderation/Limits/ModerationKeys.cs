using StackExchange.Redis;

namespace Live.Moderation.Limits;

/// <summary>
/// Redis keys of the moderation state of one room. The room id is the hash tag ({id}), so one script can
/// read and write all of a message's keys atomically, also on Redis Cluster.
/// </summary>
public static class ModerationKeys
{
    /// <summary>Hash {t: tokens, ts: ms of last refill}: the user's token bucket in the room.</summary>
    public static RedisKey RateBucket(long roomId, long userId) => $"mod:{{{roomId}}}:rate:{userId}";

    /// <summary>Unix ms until which the user is timed out of the room; expires with the timeout.</summary>
    public static RedisKey Timeout(long roomId, long userId) => $"mod:{{{roomId}}}:timeout:{userId}";

    /// <summary>The room's slow-mode interval in ms; absent means off.</summary>
    public static RedisKey SlowMode(long roomId) => $"mod:{{{roomId}}}:slow";

    /// <summary>Unix ms of the user's last accepted message while slow mode is on; expires after the interval.</summary>
    public static RedisKey LastAccepted(long roomId, long userId) => $"mod:{{{roomId}}}:last:{userId}";

    /// <summary>Unix ms when the user last sent this content (hash of the normalized text); expires after the window.</summary>
    public static RedisKey Duplicate(long roomId, long userId, string contentHash) => $"mod:{{{roomId}}}:dup:{userId}:{contentHash}";

    /// <summary>The room's unique-message window in ms; absent means off.</summary>
    public static RedisKey UniqueMode(long roomId) => $"mod:{{{roomId}}}:unique";

    /// <summary>Unix ms when anyone in the room last sent this content; expires after the unique window.</summary>
    public static RedisKey RoomDuplicate(long roomId, string contentHash) => $"mod:{{{roomId}}}:uniq:{contentHash}";
}
