using StackExchange.Redis;

namespace Live.Moderation.Limits;

/// <summary>How far the locally checked rules let a message go, passed to the admission script.</summary>
public enum AdmissionStage
{
    /// <summary>A content rule refused it: charge the rate limit, check timeout and slow mode, record nothing.</summary>
    ContentRefused = 0,

    /// <summary>A block word is in it: also check duplicates, record nothing.</summary>
    WordBlocked = 1,

    /// <summary>Everything local passed: check all, and record it for slow mode and duplicates if admitted.</summary>
    Passed = 2,
}

public enum AdmissionCode
{
    Admitted = 0,
    RateLimited = 1,
    TimedOut = 2,
    SlowMode = 3,
    ContentRefused = 4,
    Duplicate = 5,
    DuplicateInRoom = 6,
    WordBlocked = 7,
}

public readonly record struct AdmissionResult(AdmissionCode Code, TimeSpan? RetryAfter);

/// <summary>
/// The Redis side of the pipeline in one atomic script and one round trip per message: token bucket, room
/// timeout, slow mode, then per-user and room-wide duplicates, in that order, stopping at the first
/// refusal. Time is the node's clock (passed in), not Redis TIME, so windows are exact under a test clock;
/// keys still expire in Redis by PX so state never outlives its window.
/// </summary>
public sealed class RedisAdmission(IConnectionMultiplexer redis)
{
    private const string Script = """
        local now = tonumber(ARGV[1])
        local rate = tonumber(ARGV[2])
        local burst = tonumber(ARGV[3])
        local stage = tonumber(ARGV[4])
        local dupWindow = tonumber(ARGV[5])

        local bucket = redis.call('HMGET', KEYS[1], 't', 'ts')
        local tokens = tonumber(bucket[1])
        local stamp = tonumber(bucket[2])
        if tokens == nil or stamp == nil then
          tokens = burst
          stamp = now
        end
        if now > stamp then
          tokens = math.min(burst, tokens + (now - stamp) * rate / 1000)
          stamp = now
        end
        if tokens < 1 then
          return {1, math.ceil((1 - tokens) * 1000 / rate)}
        end
        tokens = tokens - 1
        redis.call('HSET', KEYS[1], 't', tokens, 'ts', stamp)
        redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) * 1000 / rate) + 1000)

        local timedOutUntil = tonumber(redis.call('GET', KEYS[2]))
        if timedOutUntil and timedOutUntil > now then
          return {2, timedOutUntil - now}
        end

        local slowMs = tonumber(redis.call('GET', KEYS[3])) or 0
        if slowMs > 0 then
          local last = tonumber(redis.call('GET', KEYS[4]))
          if last and now - last < slowMs then
            return {3, slowMs - (now - last)}
          end
        end

        if stage == 0 then
          return {4, 0}
        end

        if dupWindow > 0 then
          local sent = tonumber(redis.call('GET', KEYS[5]))
          if sent and now - sent < dupWindow then
            return {5, dupWindow - (now - sent)}
          end
        end

        local uniqueMs = tonumber(redis.call('GET', KEYS[6])) or 0
        if uniqueMs > 0 then
          local seen = tonumber(redis.call('GET', KEYS[7]))
          if seen and now - seen < uniqueMs then
            return {6, uniqueMs - (now - seen)}
          end
        end

        if stage == 1 then
          return {7, 0}
        end

        if dupWindow > 0 then
          redis.call('SET', KEYS[5], now, 'PX', dupWindow)
        end
        if slowMs > 0 then
          redis.call('SET', KEYS[4], now, 'PX', slowMs)
        end
        if uniqueMs > 0 then
          redis.call('SET', KEYS[7], now, 'PX', uniqueMs)
        end
        return {0, 0}
        """;

    /// <summary>Stands in for the content hash when the content was refused and no duplicate key is touched.</summary>
    private const string NoContent = "-";

    public async Task<AdmissionResult> AdmitAsync(long userId, long roomId, RateLimit limit, long nowMs, AdmissionStage stage, string? contentHash, int duplicateWindowMs)
    {
        var hash = contentHash ?? NoContent;
        RedisKey[] keys =
        [
            ModerationKeys.RateBucket(roomId, userId),
            ModerationKeys.Timeout(roomId, userId),
            ModerationKeys.SlowMode(roomId),
            ModerationKeys.LastAccepted(roomId, userId),
            ModerationKeys.Duplicate(roomId, userId, hash),
            ModerationKeys.UniqueMode(roomId),
            ModerationKeys.RoomDuplicate(roomId, hash),
        ];
        RedisValue[] args = [nowMs, limit.MessagesPerSecond, limit.Burst, (int)stage, duplicateWindowMs];
        var reply = (long[])(await redis.GetDatabase().ScriptEvaluateAsync(Script, keys, args))!;
        var code = (AdmissionCode)reply[0];
        return new AdmissionResult(code, code is AdmissionCode.Admitted or AdmissionCode.ContentRefused or AdmissionCode.WordBlocked ? null : TimeSpan.FromMilliseconds(reply[1]));
    }
}
