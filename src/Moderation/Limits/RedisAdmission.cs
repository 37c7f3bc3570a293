using Live.Redis;
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
    private static readonly string Script = EmbeddedLuaScript.Read<RedisAdmission>("admission.lua");

    /// <summary>Stands in for the content hash when the content was refused and no duplicate key is touched.</summary>
    private const string NoContent = "-";

    protected override int KeysPerItem => 3;

    protected override int ArgsPerItem => 7;

    protected override int ResultsPerItem => 2;

    /// <param name="rules">The room's modes as this node knows them (<see cref="RoomRulesCache"/>).</param>
    public Task<AdmissionResult> AdmitAsync(long userId, long roomId, RateLimit limit, long nowMs, AdmissionStage stage, string? contentHash, int duplicateWindowMs, RoomRules rules) =>
        CallAsync(new Request(userId, roomId, limit, nowMs, stage, contentHash ?? NoContent, duplicateWindowMs, rules));

    protected override RedisKey SlotKey(in Request request) => ModerationKeys.UserState(request.RoomId, request.UserId);

    protected override void Append(in Request request, RedisKey[] keys, int keyOffset, RedisValue[] args, int argOffset)
    {
        keys[keyOffset] = ModerationKeys.UserState(request.RoomId, request.UserId);
        keys[keyOffset + 1] = ModerationKeys.Duplicate(request.RoomId, request.UserId, request.ContentHash);
        keys[keyOffset + 2] = ModerationKeys.RoomDuplicate(request.RoomId, request.ContentHash);
        args[argOffset] = request.NowMs;
        args[argOffset + 1] = request.Limit.MessagesPerSecond;
        args[argOffset + 2] = request.Limit.Burst;
        args[argOffset + 3] = (int)request.Stage;
        args[argOffset + 4] = request.DuplicateWindowMs;
        args[argOffset + 5] = request.Rules.SlowModeMs;
        args[argOffset + 6] = request.Rules.UniqueWindowMs;
    }

    protected override AdmissionResult Read(in Request request, ReadOnlySpan<RedisResult> results)
    {
        var code = (AdmissionCode)(long)results[0];
        return new AdmissionResult(code, code is AdmissionCode.Admitted or AdmissionCode.ContentRefused or AdmissionCode.WordBlocked
            ? null
            : TimeSpan.FromMilliseconds((long)results[1]));
    }

    public readonly record struct Request(long UserId, long RoomId, RateLimit Limit, long NowMs, AdmissionStage Stage, string ContentHash, int DuplicateWindowMs, RoomRules Rules);
}
