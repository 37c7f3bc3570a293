using Live.Moderation.Pipeline;
using Live.Moderation.Words;

namespace Live.Moderation.Tests;

/// <summary>When several rules would refuse a message, the first in the documented order names the reason.</summary>
public sealed class PipelineOrderTests(ModerationFixture fixture) : IClassFixture<ModerationFixture>
{
    private readonly ModerationNode node = fixture.Node;

    [Fact]
    public async Task Bans_come_before_timeouts()
    {
        var (user, room) = (Ids.User(), Ids.Room());
        await node.Controls.TimeOutAsync(room, user, TimeSpan.FromMinutes(5));
        await node.BanUserAsync(user, TimeSpan.FromMinutes(1));

        Assert.Equal(ModerationReason.Banned, (await node.SendAsync(user, room, "hi")).Reason);
        await node.LiftUserBanAsync(user);
    }

    [Fact]
    public async Task Timeouts_and_slow_mode_come_before_content_rules()
    {
        var (user, room) = (Ids.User(), Ids.Room());
        await node.Controls.SetSlowModeAsync(room, TimeSpan.FromSeconds(30));
        Assert.True((await node.SendAsync(user, room, "first")).IsAccepted);
        Assert.Equal(ModerationReason.SlowMode, (await node.SendAsync(user, room, new string('x', 500))).Reason);

        await node.Controls.TimeOutAsync(room, user, TimeSpan.FromMinutes(1));
        Assert.Equal(ModerationReason.TimedOut, (await node.SendAsync(user, room, new string('x', 500))).Reason);
        await node.Controls.SetSlowModeAsync(room, null);
    }

    [Fact]
    public async Task Content_rules_come_before_duplicates()
    {
        var (user, room) = (Ids.User(), Ids.Room());
        Assert.True((await node.SendAsync(user, room, "same")).IsAccepted);
        Assert.Equal(ModerationReason.ColorNotAllowed, (await node.SendAsync(user, room, "same", color: "#000001")).Reason);
        Assert.Equal(ModerationReason.Duplicate, (await node.SendAsync(user, room, "same")).Reason);
    }

    [Fact]
    public async Task Duplicates_come_before_words_and_a_blocked_message_is_never_recorded()
    {
        var (user, room) = (Ids.User(), Ids.Room());
        await node.Store.AddAsync("heck", WordAction.Mask, room, "test");
        await node.Store.AddAsync("forbidden", WordAction.Block, room, "test");
        await node.WaitUntilAsync(() => node.Words.RoomWordCount(room) == 2, TimeSpan.FromSeconds(5));

        var masked = await node.SendAsync(user, room, "what the heck");
        Assert.True(masked.IsAccepted);
        Assert.True(masked.Masked);
        Assert.Equal("what the ***", masked.Content);
        Assert.Equal(ModerationReason.Duplicate, (await node.SendAsync(user, room, "what the heck")).Reason);

        // Refused for its word each time, not as a duplicate of itself.
        var blocked = await node.SendAsync(user, room, "forbidden fruit");
        Assert.Equal(ModerationReason.BlockedWord, blocked.Reason);
        Assert.Equal("forbidden", blocked.MatchedWord);
        Assert.Null(blocked.Content);
        Assert.Equal(ModerationReason.BlockedWord, (await node.SendAsync(user, room, "forbidden fruit")).Reason);
    }

    [Fact]
    public async Task Refused_messages_still_count_against_the_rate_limit()
    {
        var (user, room) = (Ids.User(), Ids.Room());
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(ModerationReason.TooLong, (await node.SendAsync(user, room, new string('x', 101))).Reason);
        }

        Assert.Equal(ModerationReason.RateLimited, (await node.SendAsync(user, room, "fine")).Reason);
    }
}
