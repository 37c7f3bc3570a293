using System.Net;
using Live.Moderation.Bans;
using Live.Moderation.Pipeline;
using Live.Moderation.Words;

namespace Live.Moderation.Tests;

/// <summary>Bans are written by UserService; these tests write the keys exactly as docs/moderation.md says it will.</summary>
public sealed class BanTests(ModerationFixture fixture) : IClassFixture<ModerationFixture>
{
    private readonly ModerationNode node = fixture.Node;

    [Fact]
    public async Task A_banned_user_cannot_send_and_learns_when_a_timed_ban_ends()
    {
        var (user, room) = (Ids.User(), Ids.Room());
        await node.Redis.StringSetAsync($"ban:user:{{{user}}}", "spam", TimeSpan.FromHours(1));

        var verdict = await node.SendAsync(user, room, "let me in");

        Assert.Equal(ModerationReason.Banned, verdict.Reason);
        Assert.Equal("banned", verdict.ReasonCode);
        Assert.InRange(verdict.RetryAfter!.Value, TimeSpan.FromMinutes(59), TimeSpan.FromHours(1));
        Assert.True((await node.SendAsync(Ids.User(), room, "let me in")).IsAccepted);
    }

    [Fact]
    public async Task A_permanent_ban_has_no_retry_time()
    {
        var user = Ids.User();
        await node.Redis.StringSetAsync($"ban:user:{{{user}}}", "");

        var verdict = await node.SendAsync(user, Ids.Room(), "hello");

        Assert.Equal(ModerationReason.Banned, verdict.Reason);
        Assert.Null(verdict.RetryAfter);
        await node.Redis.KeyDeleteAsync($"ban:user:{{{user}}}");
    }

    [Fact]
    public async Task A_ban_that_expires_in_Redis_stops_applying()
    {
        var user = Ids.User();
        await node.Redis.StringSetAsync($"ban:user:{{{user}}}", "", TimeSpan.FromMilliseconds(150));
        Assert.Equal(ModerationReason.Banned, (await node.SendAsync(user, Ids.Room(), "hello")).Reason);

        await node.WaitUntilAsync(() => !node.Redis.KeyExists($"ban:user:{{{user}}}"), TimeSpan.FromSeconds(5));
        Assert.True((await node.SendAsync(user, Ids.Room(), "hello")).IsAccepted);
    }

    [Fact]
    public async Task A_banned_address_cannot_send_whoever_uses_it()
    {
        var address = IPAddress.Parse($"203.0.{Random.Shared.Next(256)}.{Random.Shared.Next(256)}");
        await node.Redis.StringSetAsync($"ban:ip:{{{address}}}", "", TimeSpan.FromMinutes(5));

        Assert.Equal(ModerationReason.IpBanned, (await node.SendAsync(Ids.User(), Ids.Room(), "hi", address: address)).Reason);
        Assert.Equal(ModerationReason.IpBanned, (await node.SendAsync(Ids.User(), Ids.Room(), "hi", address: address.MapToIPv6())).Reason);
        Assert.True((await node.SendAsync(Ids.User(), Ids.Room(), "hi", address: IPAddress.Parse("198.51.100.1"))).IsAccepted);
        Assert.Equal("ban:ip:{2001:db8::1}", BanKeys.Ip(IPAddress.Parse("2001:DB8:0:0::1")).ToString());
    }

    [Fact]
    public async Task A_shadow_banned_user_gets_a_shadow_verdict_that_only_the_sender_is_shown()
    {
        var (user, room) = (Ids.User(), Ids.Room());
        await node.Redis.StringSetAsync($"shadowban:user:{{{user}}}", "");
        await node.Store.AddAsync("darn", WordAction.Mask, room, "test");
        await node.WaitUntilAsync(() => node.Words.RoomWordCount(room) == 1, TimeSpan.FromSeconds(5));

        var shadow = await node.SendAsync(user, room, "darn it");
        Assert.Equal(ModerationOutcome.Shadow, shadow.Outcome);
        Assert.Equal("*** it", shadow.Content);
        Assert.Equal("shadow", shadow.OutcomeCode);

        // The other rules still apply to a shadow-banned user, as they would if the ban were not there.
        Assert.Equal(ModerationReason.Duplicate, (await node.SendAsync(user, room, "darn it")).Reason);
        Assert.Equal(ModerationOutcome.Accepted, (await node.SendAsync(Ids.User(), room, "darn it")).Outcome);
        await node.Redis.KeyDeleteAsync($"shadowban:user:{{{user}}}");
    }

    [Fact]
    public async Task A_full_ban_outranks_a_shadow_ban()
    {
        var user = Ids.User();
        await node.Redis.StringSetAsync($"shadowban:user:{{{user}}}", "");
        await node.Redis.StringSetAsync($"ban:user:{{{user}}}", "");

        Assert.Equal(ModerationReason.Banned, (await node.SendAsync(user, Ids.Room(), "hi")).Reason);
        await node.Redis.KeyDeleteAsync([$"ban:user:{{{user}}}", $"shadowban:user:{{{user}}}"]);
    }
}
