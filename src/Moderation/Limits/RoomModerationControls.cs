using StackExchange.Redis;

namespace Live.Moderation.Limits;

/// <summary>
/// What a room's anchor or an admin can switch (the admin gRPC API calls these): slow mode, room-wide
/// unique-message mode and per-user timeouts. All live in Redis; the room's modes are also kept by every node
/// (<see cref="RoomRulesCache"/>), which a change here tells at once.
/// </summary>
public sealed class RoomModerationControls(IConnectionMultiplexer redis, RoomRulesCache rules, TimeProvider time)
{
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
        var until = time.GetUtcNow().Add(duration).ToUnixTimeMilliseconds();
        return redis.GetDatabase().StringSetAsync(ModerationKeys.Timeout(roomId, userId), until, duration);
    }

    public Task<bool> LiftTimeoutAsync(long roomId, long userId) => redis.GetDatabase().KeyDeleteAsync(ModerationKeys.Timeout(roomId, userId));

    /// <summary>When the user's timeout in the room ends, or null when there is none in force.</summary>
    public async Task<DateTimeOffset?> GetTimeoutAsync(long roomId, long userId)
    {
        var value = await redis.GetDatabase().StringGetAsync(ModerationKeys.Timeout(roomId, userId));
        if (value.IsNull)
        {
            return null;
        }

        var until = DateTimeOffset.FromUnixTimeMilliseconds((long)value);
        return until > time.GetUtcNow() ? until : null;
    }

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
