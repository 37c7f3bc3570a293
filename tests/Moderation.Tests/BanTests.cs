using System.Net;
using Live.Moderation.Pipeline;
using Live.Moderation.Words;

namespace Live.Moderation.Tests;

/// <summary>Bans are written by UserService; these tests write them exactly as it does (see UserServiceBans).</summary>
public sealed class BanTests(ModerationFixture fixture) : IClassFixture<ModerationFixture>
{
    private readonly ModerationNode node = fixture.Node;

    [Fact]
    public async Task A_banned_user_cannot_send_until_the_ban_is_lifted()
    {
        var (user, room) = (Ids.User(), Ids.Room());
        await node.BanUserAsync(user);

        var verdict = await node.SendAsync(user, room, "let me in");
        Assert.Equal(ModerationReason.Banned, verdict.Reason);
        Assert.Equal("banned", verdict.ReasonCode);
        Assert.True((await node.SendAsync(Ids.User(), room, "let me in")).IsAccepted);

        await node.LiftUserBanAsync(user);
        Assert.True((await node.SendAsync(user, room, "let me in")).IsAccepted);
    }

    [Fact]
    public async Task A_timed_ban_stops_applying_when_it_expires()
    {
        var user = Ids.User();
        await node.BanUserAsync(user, TimeSpan.FromMinutes(10));
        Assert.Equal(ModerationReason.Banned, (await node.SendAsync(user, Ids.Room(), "hello")).Reason);

        node.Time.Advance(TimeSpan.FromMinutes(10));
        Assert.True((await node.SendAsync(user, Ids.Room(), "hello")).IsAccepted);
        await node.LiftUserBanAsync(user);
    }

    [Fact]
    public async Task A_banned_address_cannot_send_whoever_uses_it()
    {
        var address = IPAddress.Parse($"203.0.{Random.Shared.Next(256)}.{Random.Shared.Next(256)}");
        await node.BanIpAsync(address, TimeSpan.FromMinutes(5));

        var verdict = await node.SendAsync(Ids.User(), Ids.Room(), "hi", address: address);
        Assert.Equal(ModerationReason.IpBanned, verdict.Reason);
        Assert.Equal("ip_banned", verdict.ReasonCode);
        Assert.Equal(ModerationReason.IpBanned, (await node.SendAsync(Ids.User(), Ids.Room(), "hi", address: address.MapToIPv6())).Reason);
        Assert.True((await node.SendAsync(Ids.User(), Ids.Room(), "hi", address: IPAddress.Parse("198.51.100.1"))).IsAccepted);
        await node.LiftIpBanAsync(address);
    }

    [Fact]
    public async Task A_shadow_banned_user_gets_a_shadow_verdict_that_only_the_sender_is_shown()
    {
        var (user, room) = (Ids.User(), Ids.Room());
        await node.ShadowBanAsync(user, TimeSpan.FromHours(1));
        await node.Store.AddAsync("darn", WordAction.Mask, room, "test");
        await node.WaitUntilAsync(() => node.Words.RoomWordCount(room) == 1, TimeSpan.FromSeconds(5));

        var shadow = await node.SendAsync(user, room, "darn it");
        Assert.Equal(ModerationOutcome.Shadow, shadow.Outcome);
        Assert.Equal("*** it", shadow.Content);
        Assert.Equal("shadow", shadow.OutcomeCode);

        // The other rules still apply to a shadow-banned user, as they would if the ban were not there.
        Assert.Equal(ModerationReason.Duplicate, (await node.SendAsync(user, room, "darn it")).Reason);
        Assert.Equal(ModerationOutcome.Accepted, (await node.SendAsync(Ids.User(), room, "darn it")).Outcome);

        node.Time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(ModerationOutcome.Accepted, (await node.SendAsync(user, room, "free again")).Outcome);
        await node.LiftShadowBanAsync(user);
    }

    [Fact]
    public async Task A_full_ban_outranks_a_shadow_ban()
    {
        var user = Ids.User();
        await node.ShadowBanAsync(user);
        await node.BanUserAsync(user);

        Assert.Equal(ModerationReason.Banned, (await node.SendAsync(user, Ids.Room(), "hi")).Reason);
        await node.LiftUserBanAsync(user);
        await node.LiftShadowBanAsync(user);
    }
}
