using Live.Redis;
using Live.ServiceDefaults.Caching;
using Live.V1;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Live.UserService.Profiles;

/// <summary>
/// GetProfile answered from this process for <see cref="ProfileOptions.ReadCacheMs"/>: profiles are read on every
/// room page and chat badge and change rarely. Display name, level and role changes go through
/// <see cref="NoticedReadCache.ChangedAsync"/>, so this process sees them at once and the others by notice.
/// </summary>
public sealed class ProfileReadCache(IConnectionMultiplexer redis, IOptions<ProfileOptions> options, TimeProvider time, ILogger<ProfileReadCache> logger)
    : NoticedReadCache(redis, Changes, logger)
{
    public static readonly RedisChannel Changes = RedisChannel.Literal("profiles:changed");

    private readonly ExpiringCache<long, UserProfile> profiles = new(TimeSpan.FromMilliseconds(options.Value.ReadCacheMs), options.Value.ReadCacheMaxEntries, time);

    protected override bool Enabled => options.Value.ReadCacheMs > 0;

    protected override TimeSpan Lifetime => TimeSpan.FromMilliseconds(options.Value.ReadCacheMs);

    /// <summary>The profile as GetProfile answers it; shared, so callers must not change it.</summary>
    public ValueTask<UserProfile> GetAsync<TState>(long userId, Func<long, TState, Task<UserProfile>> load, TState state) =>
        Enabled ? profiles.GetOrLoadAsync(userId, load, state) : new ValueTask<UserProfile>(load(userId, state));

    protected override void Forget(long id) => profiles.Invalidate(id);

    protected override void ForgetAll() => profiles.Clear();
}
