using StackExchange.Redis;

namespace Live.Moderation.Limits;

/// <summary>
/// Redis keys of the moderation state of one room. The room id is the hash tag ({id}), so one script can
/// read and write all of a message's keys atomically, also on Redis Cluster.
/// </summary>
public static class ModerationKeys
{
    /// <summary>
    /// Hash of the user's state in the room, read and written once per message by the admission script: t (tokens) and
    /// ts (ms of the last refill) of the token bucket, to (Unix ms until which the user is timed out), last (Unix ms of
    /// the last message accepted under slow mode). It expires when none of them matters any more.
    /// </summary>
    public static RedisKey UserState(long roomId, long userId) => $"mod:{{{roomId}}}:user:{userId}";

    /// <summary>The room's slow-mode interval in ms; absent means off.</summary>
    public static RedisKey SlowMode(long roomId) => $"mod:{{{roomId}}}:slow";

    /// <summary>Where timeouts were kept before <see cref="UserState"/> (string: Unix ms until), moved by <see cref="LegacyTimeoutMigration"/>.</summary>
    public const string LegacyTimeoutPattern = "mod:{*}:timeout:*";

    /// <summary>Unix ms when the user last sent this content (hash of the normalized text); expires after the window.</summary>
    public static RedisKey Duplicate(long roomId, long userId, string contentHash) => $"mod:{{{roomId}}}:dup:{userId}:{contentHash}";

    /// <summary>The room's unique-message window in ms; absent means off.</summary>
    public static RedisKey UniqueMode(long roomId) => $"mod:{{{roomId}}}:unique";

    /// <summary>Unix ms when anyone in the room last sent this content; expires after the unique window.</summary>
    public static RedisKey RoomDuplicate(long roomId, string contentHash) => $"mod:{{{roomId}}}:uniq:{contentHash}";
}
