using Live.Redis;
using StackExchange.Redis;

namespace Live.Moderation.Limits;

/// <summary>
/// What a room's anchor or an admin can switch (the admin gRPC API calls these): slow mode, room-wide
/// unique-message mode and per-user timeouts. All live in Redis; the room's modes are also kept by every node
/// (<see cref="RoomRulesCache"/>), which a change here tells at once.
/// </summary>
public sealed class RoomModerationControls(IConnectionMultiplexer redis, RoomRulesCache rules, TimeProvider time)
{
    private static readonly string TimeOutScript = EmbeddedLuaScript.Read<RoomModerationControls>("time-out.lua");

    /// <summary>One accepted message per <paramref name="interval"/> per user in the room; null or zero turns it off.</summary>
    public Task SetSlowModeAsync(long roomId, TimeSpan? interval) => SetOrClearAsync(roomId, ModerationKeys.SlowMode(roomId), interval);

    public async Task<TimeSpan?> GetSlowModeAsync(long roomId) => ToInterval(await redis.GetDatabase().StringGetAsync(ModerationKeys.SlowMode(roomId)));

    /// <summary>No one in the room may send the same normalized text as anyone else within <paramref name="window"/>; null or zero turns it off.</summary>
    public Task SetUniqueModeAsync(long roomId, TimeSpan? window) => SetOrClearAsync(roomId, ModerationKeys.UniqueMode(roomId), window);

    public async Task<TimeSpan?> GetUniqueModeAsync(long roomId) => ToInterval(await redis.GetDatabase().StringGetAsync(ModerationKeys.UniqueMode(roomId)));

    /// <summary>Keeps the user from sending in the room for <paramref name="duration"/> from now (replacing any earlier timeout).</summary>
    public Task TimeOutAsync(long roomId, long userId, TimeSpan duration)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(duration, TimeSpan.Zero);
        var now = time.GetUtcNow();
        return SetTimeoutAsync(roomId, userId, now.Add(duration).ToUnixTimeMilliseconds(), (long)Math.Ceiling(duration.TotalMilliseconds), now);
    }

    /// <summary>Ends the user's timeout in the room now; false when none was in force.</summary>
    public async Task<bool> LiftTimeoutAsync(long roomId, long userId) => await SetTimeoutAsync(roomId, userId, until: 0, keepMs: 0, time.GetUtcNow()) != 0;

    /// <summary>When the user's timeout in the room ends, or null when there is none in force.</summary>
    public async Task<DateTimeOffset?> GetTimeoutAsync(long roomId, long userId)
    {
        var value = await redis.GetDatabase().HashGetAsync(ModerationKeys.UserState(roomId, userId), "to");
        if (value.IsNull)
        {
            return null;
        }

        var until = DateTimeOffset.FromUnixTimeMilliseconds((long)value);
        return until > time.GetUtcNow() ? until : null;
    }

    /// <summary>Moves a timeout kept the way it was before the user's state was one key (<see cref="LegacyTimeoutMigration"/>).</summary>
    internal Task MoveTimeoutAsync(long roomId, long userId, long until, long remainingMs) =>
        SetTimeoutAsync(roomId, userId, until, remainingMs, time.GetUtcNow());

    private async Task<long> SetTimeoutAsync(long roomId, long userId, long until, long keepMs, DateTimeOffset now) =>
        (long)(await redis.GetDatabase().ScriptEvaluateAsync(TimeOutScript, [ModerationKeys.UserState(roomId, userId)],
            [until, keepMs, now.ToUnixTimeMilliseconds()]))!;

    private async Task SetOrClearAsync(long roomId, RedisKey key, TimeSpan? value)
    {
        var db = redis.GetDatabase();
        if (value is { } v && v > TimeSpan.Zero)
        {
            await db.StringSetAsync(key, (long)Math.Ceiling(v.TotalMilliseconds));
        }
        else
        {
            await db.KeyDeleteAsync(key);
        }

        await rules.ChangedAsync(roomId);
    }

    private static TimeSpan? ToInterval(RedisValue value) => value.IsNull ? null : TimeSpan.FromMilliseconds((long)value);
}
