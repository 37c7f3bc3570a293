using System.Net;
using Live.ServiceDefaults.Bans;
using StackExchange.Redis;

namespace Live.Moderation.Bans;

/// <summary>
/// Bans as UserService publishes them (docs/moderation.md, "Bans"): user and address bans through the
/// shared <see cref="BanList"/>, a local copy of the bans:user / bans:ip mirror, so the check is a memory
/// lookup; shadow bans from the bans:shadow sorted set, same shape (member = user id, score = expiry in
/// unix ms, +inf when permanent), one ZSCORE per message.
/// </summary>
public sealed class PlatformBanLookup(BanList bans, IConnectionMultiplexer redis, TimeProvider time) : IBanLookup
{
    public async ValueTask<BanKind> GetBanAsync(long userId, IPAddress? clientAddress, CancellationToken cancellationToken)
    {
        if (await bans.IsUserBannedAsync(userId))
        {
            return BanKind.User;
        }

        return clientAddress is not null && await bans.IsIpBannedAsync(clientAddress) ? BanKind.Ip : BanKind.None;
    }

    public async ValueTask<bool> IsShadowBannedAsync(long userId, CancellationToken cancellationToken)
    {
        var expiry = await redis.GetDatabase().SortedSetScoreAsync(BanKeys.Shadows, BanKeys.UserSubject(userId));
        return expiry is { } until && until > time.GetUtcNow().ToUnixTimeMilliseconds();
    }
}
