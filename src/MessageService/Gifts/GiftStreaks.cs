using System.Globalization;
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
    // A pending update whose owner went away (it stopped before its due time) is taken over by the next gift once
    // it is a whole flush interval late.
    private const string RecordScript = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local total = redis.call('HINCRBY', KEYS[1], 'total', ARGV[1])
        redis.call('PEXPIRE', KEYS[1], ARGV[2])
        local flush = tonumber(ARGV[3])
        local due = tonumber(redis.call('HGET', KEYS[1], 'due'))
        if due and now < due + flush then
          return {total, 2, 0, due}
        end
        local publishedAt = tonumber(redis.call('HGET', KEYS[1], 'pub_at'))
        if not publishedAt or now - publishedAt >= flush then
          redis.call('HSET', KEYS[1], 'pub', total, 'pub_at', now)
          redis.call('HDEL', KEYS[1], 'due')
          return {total, 0, 0, 0}
        end
        due = publishedAt + flush
        redis.call('HSET', KEYS[1], 'due', due)
        return {total, 1, due - now, due}
        """;

    // Only the update that is still the pending one is published, and only with a total larger than the last.
    private const string ClaimScript = """
        if tonumber(redis.call('HGET', KEYS[1], 'due')) ~= tonumber(ARGV[1]) then
          return false
        end
        redis.call('HDEL', KEYS[1], 'due')
        local total = tonumber(redis.call('HGET', KEYS[1], 'total'))
        local pub = tonumber(redis.call('HGET', KEYS[1], 'pub')) or 0
        if not total or total <= pub then
          return false
        end
        local t = redis.call('TIME')
        redis.call('HSET', KEYS[1], 'pub', total, 'pub_at', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000))
        return total
        """;

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
