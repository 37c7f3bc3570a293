using System.Net;
using Live.Bans;

namespace Live.Moderation.Bans;

/// <summary>
/// Bans as UserService publishes them (docs/moderation.md, "Bans"): user, address and shadow bans through
/// the shared <see cref="BanList"/>, a local copy of the bans:user / bans:ip / bans:shadow mirror, so every
/// check is a memory lookup.
/// </summary>
public sealed class PlatformBanLookup(BanList bans) : IBanLookup
{
    public async ValueTask<BanKind> GetBanAsync(long userId, IPAddress? clientAddress, CancellationToken cancellationToken)
    {
        if (await bans.IsUserBannedAsync(userId))
        {
            return BanKind.User;
        }

        return clientAddress is not null && await bans.IsIpBannedAsync(clientAddress) ? BanKind.Ip : BanKind.None;
    }

    public ValueTask<bool> IsShadowBannedAsync(long userId, CancellationToken cancellationToken) => bans.IsShadowBannedAsync(userId);
}
