using System.Globalization;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Live.UserService.Presence;

/// <summary>
/// Online users as Redis keys <c>presence:{id}</c> holding the last heartbeat (unix ms) with a TTL: a user
/// whose Edge stops heartbeating goes offline by expiry, with no sweeper. Batches are pipelined.
/// </summary>
public sealed class PresenceStore(IConnectionMultiplexer redis, IOptions<PresenceOptions> options, TimeProvider time)
{
    public int TtlSeconds => options.Value.TtlSeconds;

    public int MaxBatch => options.Value.MaxBatch;

    public async Task ApplyAsync(IReadOnlyList<(long UserId, bool Online)> changes)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        var ttl = TimeSpan.FromSeconds(options.Value.TtlSeconds);
        var batch = redis.GetDatabase().CreateBatch();
        var pending = new Task[changes.Count];
        for (var i = 0; i < changes.Count; i++)
        {
            var (userId, online) = changes[i];
            pending[i] = online ? batch.StringSetAsync(Key(userId), now, ttl) : batch.KeyDeleteAsync(Key(userId));
        }

        batch.Execute();
        await Task.WhenAll(pending);
    }

    /// <summary>The last heartbeat of each user, or null when offline.</summary>
    public async Task<DateTimeOffset?[]> GetAsync(IReadOnlyList<long> userIds)
    {
        var keys = new RedisKey[userIds.Count];
        for (var i = 0; i < keys.Length; i++)
        {
            keys[i] = Key(userIds[i]);
        }

        var values = await redis.GetDatabase().StringGetAsync(keys);
        var result = new DateTimeOffset?[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            result[i] = !values[i].IsNull && values[i].TryParse(out long ms) ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
        }

        return result;
    }

    private static RedisKey Key(long userId) => $"presence:{userId.ToString(CultureInfo.InvariantCulture)}";
}
