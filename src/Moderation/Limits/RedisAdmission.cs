using Live.ServiceDefaults.Redis;
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
/// The Redis side of the pipeline in one atomic script per message: token bucket, room timeout, slow mode,
/// then per-user and room-wide duplicates, in that order, stopping at the first refusal. The messages
/// waiting for Redis at the same moment share one script call (<see cref="BatchedRedisScript{TRequest,TResult}"/>),
/// each judged atomically in arrival order. Time is the node's clock (passed in), not Redis TIME, so windows
/// are exact under a test clock; keys still expire in Redis by PX so state never outlives its window.
/// </summary>
public sealed class RedisAdmission(IConnectionMultiplexer redis)
    : BatchedRedisScript<RedisAdmission.Request, AdmissionResult>(redis, Script, new BatchedScriptLimits())
{
    private const string Script = """
        -- A room's rules (slow mode, unique mode) are read once per batch: only admins change them, never this script.
        local roomRules = {}
        local function rule(key)
          local value = roomRules[key]
          if value == nil then
            value = tonumber(redis.call('GET', key)) or 0
            roomRules[key] = value
          end
          return value
        end

        local function admit(k, a)
          local now = tonumber(ARGV[a + 1])
          local rate = tonumber(ARGV[a + 2])
          local burst = tonumber(ARGV[a + 3])
          local stage = tonumber(ARGV[a + 4])
          local dupWindow = tonumber(ARGV[a + 5])

          local bucket = redis.call('HMGET', KEYS[k + 1], 't', 'ts')
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
            return 1, math.ceil((1 - tokens) * 1000 / rate)
          end
          tokens = tokens - 1
          redis.call('HSET', KEYS[k + 1], 't', tokens, 'ts', stamp)
          redis.call('PEXPIRE', KEYS[k + 1], math.ceil((burst - tokens) * 1000 / rate) + 1000)

          local timedOutUntil = tonumber(redis.call('GET', KEYS[k + 2]))
          if timedOutUntil and timedOutUntil > now then
            return 2, timedOutUntil - now
          end

          local slowMs = rule(KEYS[k + 3])
          if slowMs > 0 then
            local last = tonumber(redis.call('GET', KEYS[k + 4]))
            if last and now - last < slowMs then
              return 3, slowMs - (now - last)
            end
          end

          if stage == 0 then
            return 4, 0
          end

          if dupWindow > 0 then
            local sent = tonumber(redis.call('GET', KEYS[k + 5]))
            if sent and now - sent < dupWindow then
              return 5, dupWindow - (now - sent)
            end
          end

          local uniqueMs = rule(KEYS[k + 6])
          if uniqueMs > 0 then
            local seen = tonumber(redis.call('GET', KEYS[k + 7]))
            if seen and now - seen < uniqueMs then
              return 6, uniqueMs - (now - seen)
            end
          end

          if stage == 1 then
            return 7, 0
          end

          if dupWindow > 0 then
            redis.call('SET', KEYS[k + 5], now, 'PX', dupWindow)
          end
          if slowMs > 0 then
            redis.call('SET', KEYS[k + 4], now, 'PX', slowMs)
          end
          if uniqueMs > 0 then
            redis.call('SET', KEYS[k + 7], now, 'PX', uniqueMs)
          end
          return 0, 0
        end

        local out = {}
        for i = 0, #KEYS / 7 - 1 do
          local code, retry = admit(i * 7, i * 5)
          out[i * 2 + 1] = code
          out[i * 2 + 2] = retry
        end
        return out
        """;

    /// <summary>Stands in for the content hash when the content was refused and no duplicate key is touched.</summary>
    private const string NoContent = "-";

    protected override int KeysPerItem => 7;

    protected override int ArgsPerItem => 5;

    protected override int ResultsPerItem => 2;

    public Task<AdmissionResult> AdmitAsync(long userId, long roomId, RateLimit limit, long nowMs, AdmissionStage stage, string? contentHash, int duplicateWindowMs) =>
        CallAsync(new Request(userId, roomId, limit, nowMs, stage, contentHash ?? NoContent, duplicateWindowMs));

    protected override RedisKey SlotKey(in Request request) => ModerationKeys.SlowMode(request.RoomId);

    protected override void Append(in Request request, RedisKey[] keys, int keyOffset, RedisValue[] args, int argOffset)
    {
        keys[keyOffset] = ModerationKeys.RateBucket(request.RoomId, request.UserId);
        keys[keyOffset + 1] = ModerationKeys.Timeout(request.RoomId, request.UserId);
        keys[keyOffset + 2] = ModerationKeys.SlowMode(request.RoomId);
        keys[keyOffset + 3] = ModerationKeys.LastAccepted(request.RoomId, request.UserId);
        keys[keyOffset + 4] = ModerationKeys.Duplicate(request.RoomId, request.UserId, request.ContentHash);
        keys[keyOffset + 5] = ModerationKeys.UniqueMode(request.RoomId);
        keys[keyOffset + 6] = ModerationKeys.RoomDuplicate(request.RoomId, request.ContentHash);
        args[argOffset] = request.NowMs;
        args[argOffset + 1] = request.Limit.MessagesPerSecond;
        args[argOffset + 2] = request.Limit.Burst;
        args[argOffset + 3] = (int)request.Stage;
        args[argOffset + 4] = request.DuplicateWindowMs;
    }

    protected override AdmissionResult Read(in Request request, ReadOnlySpan<RedisResult> results)
    {
        var code = (AdmissionCode)(long)results[0];
        return new AdmissionResult(code, code is AdmissionCode.Admitted or AdmissionCode.ContentRefused or AdmissionCode.WordBlocked
            ? null
            : TimeSpan.FromMilliseconds((long)results[1]));
    }

    public readonly record struct Request(long UserId, long RoomId, RateLimit Limit, long NowMs, AdmissionStage Stage, string ContentHash, int DuplicateWindowMs);
}
