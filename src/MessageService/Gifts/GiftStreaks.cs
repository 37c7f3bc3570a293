using System.Globalization;
using Live.Redis;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Live.MessageService.Gifts;

/// <summary>What a gift does to its streak's message.</summary>
public enum StreakStep : byte
{
    /// <summary>Publish the running total now (first gift of a streak, or the last message is a flush interval old).</summary>
    PublishNow,

    /// <summary>This node publishes the total at <see cref="StreakUpdate.Delay"/> (<see cref="GiftStreaks.ClaimUpdateAsync"/>).</summary>
    PublishLater,

    /// <summary>An update is pending already (on this node or another); it will show this gift's total.</summary>
    Merged,
}

/// <param name="DueMs">The pending update's due time (Redis clock); it identifies the update when it is claimed.</param>
public readonly record struct StreakUpdate(long Total, StreakStep Step, TimeSpan Delay, long DueMs);

/// <summary>
/// A streak's running total and what was published of it, in one Redis hash per (room, sender, gift) shared by
/// every MessageService node: a user's sends that land on different nodes count into one streak. Times come from
/// the Redis clock, so the nodes' clocks never disagree about a window. The hash holds
///   total  — the sum of the streak's counts (HINCRBY), the hash expiring a window after its last gift;
///   pub, pub_at — the last total claimed for publishing and when;
///   due    — when a pending update is to be published, while one is.
/// A total is claimed (pub = total) in the same script that decides to publish it, so two nodes never publish
/// one total twice, and a claim is only ever of a larger total, so the room's totals never go backwards.
/// </summary>
public sealed class GiftStreaks(IConnectionMultiplexer redis, IOptions<GiftComboOptions> options)
{
    private static readonly string RecordScript = EmbeddedLuaScript.Read<GiftStreaks>("record-streak.lua");

    private static readonly string ClaimScript = EmbeddedLuaScript.Read<GiftStreaks>("claim-streak-update.lua");

    private readonly RedisValue windowMs = options.Value.WindowMs;
    private readonly RedisValue flushIntervalMs = options.Value.FlushIntervalMs;

    /// <summary>The streak of a (room, sender, gift); the room id is the hash tag, as for the room's other keys.</summary>
    public static RedisKey Key(long roomId, long userId, int giftId) =>
        string.Create(CultureInfo.InvariantCulture, $"room:{{{roomId}}}:gift-combo:{userId}:{giftId}");

    /// <summary>Adds a gift's count to its streak (starting one if none is running) and says when its total is shown.</summary>
    public async Task<StreakUpdate> RecordAsync(RedisKey streak, int count)
    {
        var result = (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(RecordScript, [streak], [count, windowMs, flushIntervalMs]))!;
        return new StreakUpdate((long)result[0], (StreakStep)(int)result[1], TimeSpan.FromMilliseconds((long)result[2]), (long)result[3]);
    }

    /// <summary>The total to publish for the pending update due at <paramref name="dueMs"/>; null when there is none to publish.</summary>
    public async Task<long?> ClaimUpdateAsync(RedisKey streak, long dueMs)
    {
        var result = await redis.GetDatabase().ScriptEvaluateAsync(ClaimScript, [streak], [dueMs]);
        return result.IsNull ? null : (long)result;
    }
}
