using Live.Bans;
using Live.Moderation.Bans;
using Microsoft.Extensions.DependencyInjection;

namespace Live.Moderation.Tests;

/// <summary>
/// Writes bans the way UserService's BanStore does (sorted-set mirror, then a change message), then waits
/// until the node's ban list has the change.
/// </summary>
public static class UserServiceBans
{
    public static Task BanUserAsync(this ModerationNode node, long userId, TimeSpan? duration = null) =>
        ChangeAsync(node, BanKeys.UserKind, BanKeys.UserSubject(userId), duration, banned: true,
            () => node.Services.GetRequiredService<BanList>().IsUserBannedAsync(userId));

    public static Task LiftUserBanAsync(this ModerationNode node, long userId) =>
        ChangeAsync(node, BanKeys.UserKind, BanKeys.UserSubject(userId), null, banned: false,
            () => node.Services.GetRequiredService<BanList>().IsUserBannedAsync(userId));

    public static Task BanIpAsync(this ModerationNode node, System.Net.IPAddress address, TimeSpan? duration = null) =>
        ChangeAsync(node, BanKeys.IpKind, BanKeys.CanonicalIp(address), duration, banned: true,
            () => node.Services.GetRequiredService<BanList>().IsIpBannedAsync(address));

    public static Task LiftIpBanAsync(this ModerationNode node, System.Net.IPAddress address) =>
        ChangeAsync(node, BanKeys.IpKind, BanKeys.CanonicalIp(address), null, banned: false,
            () => node.Services.GetRequiredService<BanList>().IsIpBannedAsync(address));

    public static Task ShadowBanAsync(this ModerationNode node, long userId, TimeSpan? duration = null) =>
        ChangeAsync(node, BanKeys.ShadowKind, BanKeys.UserSubject(userId), duration, banned: true,
            () => node.Services.GetRequiredService<BanList>().IsShadowBannedAsync(userId));

    public static Task LiftShadowBanAsync(this ModerationNode node, long userId) =>
        ChangeAsync(node, BanKeys.ShadowKind, BanKeys.UserSubject(userId), null, banned: false,
            () => node.Services.GetRequiredService<BanList>().IsShadowBannedAsync(userId));

    private static async Task ChangeAsync(ModerationNode node, string kind, string subject, TimeSpan? duration, bool banned, Func<ValueTask<bool>> isBanned)
    {
        if (banned)
        {
            var expiry = Expiry(node, duration);
            await node.Redis.SortedSetAddAsync(BanKeys.For(kind), subject, expiry);
            await node.Redis.PublishAsync(BanKeys.Changes, BanKeys.ChangeMessage(kind, subject, expiry));
        }
        else
        {
            await node.Redis.SortedSetRemoveAsync(BanKeys.For(kind), subject);
            await node.Redis.PublishAsync(BanKeys.Changes, BanKeys.LiftedMessage(kind, subject));
        }

        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (await isBanned() != banned)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the ban list did not see the {kind} ban change for {subject}");
            }

            await Task.Delay(5);
        }
    }

    private static double Expiry(ModerationNode node, TimeSpan? duration) =>
        duration is { } d ? node.Time.GetUtcNow().Add(d).ToUnixTimeMilliseconds() : double.PositiveInfinity;
}
