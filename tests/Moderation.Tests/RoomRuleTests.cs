using Microsoft.Extensions.DependencyInjection;
using Live.Moderation.Limits;
using Live.Moderation.Pipeline;

namespace Live.Moderation.Tests;

/// <summary>Slow mode, timeouts and duplicates: the rules that hold state per room in Redis.</summary>
public sealed class RoomRuleTests(ModerationFixture fixture) : IClassFixture<ModerationFixture>
{
    private readonly ModerationNode node = fixture.Node;

    [Fact]
    public async Task Slow_mode_allows_one_message_per_interval_per_user()
    {
        var (user, other, room) = (Ids.User(), Ids.User(), Ids.Room());
        await node.Controls.SetSlowModeAsync(room, TimeSpan.FromSeconds(3));
        Assert.Equal(TimeSpan.FromSeconds(3), await node.Controls.GetSlowModeAsync(room));

        Assert.True((await node.SendAsync(user, room, "first")).IsAccepted);
        node.Time.Advance(TimeSpan.FromMilliseconds(2_900));
        var early = await node.SendAsync(user, room, "second");
        Assert.Equal(ModerationReason.SlowMode, early.Reason);
        Assert.Equal(TimeSpan.FromMilliseconds(100), early.RetryAfter);
        Assert.True((await node.SendAsync(other, room, "someone else")).IsAccepted);

        node.Time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.True((await node.SendAsync(user, room, "second")).IsAccepted);

        await node.Controls.SetSlowModeAsync(room, null);
        Assert.Null(await node.Controls.GetSlowModeAsync(room));
        Assert.True((await node.SendAsync(user, room, "third")).IsAccepted);
    }

    [Fact]
    public async Task Slow_mode_switched_on_through_one_node_applies_on_another_that_had_read_the_rooms_rules_before()
    {
        await using var other = await ModerationNode.StartAsync(fixture.Database.ConnectionString);
        var (user, room) = (Ids.User(), Ids.Room());
        Assert.True((await other.SendAsync(user, room, "before")).IsAccepted);

        await node.Controls.SetSlowModeAsync(room, TimeSpan.FromSeconds(30));

        // The other node kept the room's rules (slow mode off); the change's notice reaches it in a moment, after which
        // at most one more message is accepted (the one that starts the interval).
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        var accepted = 0;
        for (var i = 0; ; i++)
        {
            var verdict = await other.SendAsync(user, room, $"after {i}");
            if (verdict.Reason == ModerationReason.SlowMode)
            {
                break;
            }

            Assert.True(verdict.IsAccepted, $"refused for {verdict.Reason}");
            accepted++;
            Assert.True(DateTime.UtcNow < deadline, $"{accepted} messages accepted on the other node after slow mode was switched on");
            other.Time.Advance(TimeSpan.FromMilliseconds(200));
            await Task.Delay(50);
        }

        // Switched off the same way: the user, still inside the 30 s interval, may send again on the other node.
        await node.Controls.SetSlowModeAsync(room, null);
        for (var i = 0; ; i++)
        {
            var verdict = await other.SendAsync(user, room, $"off {i}");
            if (verdict.IsAccepted)
            {
                break;
            }

            Assert.Equal(ModerationReason.SlowMode, verdict.Reason);
            Assert.True(DateTime.UtcNow < deadline + TimeSpan.FromSeconds(10), "slow mode stayed on on the other node after it was switched off");
            other.Time.Advance(TimeSpan.FromMilliseconds(200));
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task A_refused_message_does_not_start_the_slow_mode_interval()
    {
        var (user, room) = (Ids.User(), Ids.Room());
        await node.Controls.SetSlowModeAsync(room, TimeSpan.FromSeconds(10));

        Assert.Equal(ModerationReason.TooLong, (await node.SendAsync(user, room, new string('x', 101))).Reason);
        Assert.True((await node.SendAsync(user, room, "now a proper one")).IsAccepted);
        await node.Controls.SetSlowModeAsync(room, null);
    }

    [Fact]
    public async Task A_timeout_refuses_until_it_expires()
    {
        var (user, room) = (Ids.User(), Ids.Room());
        await node.Controls.TimeOutAsync(room, user, TimeSpan.FromMinutes(1));

        var refused = await node.SendAsync(user, room, "hello?");
        Assert.Equal(ModerationReason.TimedOut, refused.Reason);
        Assert.Equal(TimeSpan.FromMinutes(1), refused.RetryAfter);
        Assert.True((await node.SendAsync(user, room + 1, "other rooms are fine")).IsAccepted);

        // Redis drops the user's state when the timeout ends, so nothing outlives it.
        var ttl = await node.Redis.KeyTimeToLiveAsync(ModerationKeys.UserState(room, user));
        Assert.InRange(ttl!.Value, TimeSpan.FromSeconds(55), TimeSpan.FromMinutes(1));

        node.Time.Advance(TimeSpan.FromSeconds(59.9));
        var stillOut = await node.SendAsync(user, room, "now?");
        Assert.Equal(ModerationReason.TimedOut, stillOut.Reason);
        Assert.Equal(TimeSpan.FromMilliseconds(100), stillOut.RetryAfter);

        node.Time.Advance(TimeSpan.FromMilliseconds(200));
        Assert.Null(await node.Controls.GetTimeoutAsync(room, user));
        Assert.True((await node.SendAsync(user, room, "back again")).IsAccepted);
    }

    [Fact]
    public async Task A_timeout_kept_in_its_own_key_before_the_upgrade_is_moved_into_the_users_state_when_a_node_starts()
    {
        var (user, room, expired) = (Ids.User(), Ids.Room(), Ids.User());
        var legacy = $"mod:{{{room}}}:timeout:{user}";
        var until = node.Time.GetUtcNow().AddMinutes(2).ToUnixTimeMilliseconds();
        await node.Redis.StringSetAsync(legacy, until, TimeSpan.FromMinutes(2));
        await node.Redis.StringSetAsync($"mod:{{{room}}}:timeout:{expired}", node.Time.GetUtcNow().AddMinutes(-1).ToUnixTimeMilliseconds(), TimeSpan.FromMinutes(2));

        await using var upgraded = await ModerationNode.StartAsync(fixture.Database.ConnectionString);
        await upgraded.WaitUntilAsync(() => !upgraded.Redis.KeyExists(legacy), TimeSpan.FromSeconds(10));

        var refused = await upgraded.SendAsync(user, room, "am I still out?");
        Assert.Equal(ModerationReason.TimedOut, refused.Reason);
        Assert.Equal(TimeSpan.FromMinutes(2), refused.RetryAfter);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(until), await upgraded.Controls.GetTimeoutAsync(room, user));
        Assert.InRange((await upgraded.Redis.KeyTimeToLiveAsync(ModerationKeys.UserState(room, user)))!.Value, TimeSpan.FromSeconds(100), TimeSpan.FromMinutes(2));
        Assert.True((await upgraded.SendAsync(expired, room, "one whose timeout had ended")).IsAccepted);
    }

    [Fact]
    public async Task A_lifted_timeout_ends_at_once()
    {
        var (user, room) = (Ids.User(), Ids.Room());
        await node.Controls.TimeOutAsync(room, user, TimeSpan.FromMinutes(10));
        Assert.NotNull(await node.Controls.GetTimeoutAsync(room, user));
        Assert.Equal(ModerationReason.TimedOut, (await node.SendAsync(user, room, "hi")).Reason);

        Assert.True(await node.Controls.LiftTimeoutAsync(room, user));
        Assert.True((await node.SendAsync(user, room, "hi")).IsAccepted);
    }

    [Fact]
    public async Task The_same_text_is_refused_at_4_9_seconds_and_accepted_at_5_1()
    {
        var (user, room) = (Ids.User(), Ids.Room());
        Assert.True((await node.SendAsync(user, room, "主播666")).IsAccepted);

        node.Time.Advance(TimeSpan.FromMilliseconds(4_900));
        var duplicate = await node.SendAsync(user, room, "主播666");
        Assert.Equal(ModerationReason.Duplicate, duplicate.Reason);
        Assert.Equal(TimeSpan.FromMilliseconds(100), duplicate.RetryAfter);

        node.Time.Advance(TimeSpan.FromMilliseconds(200));
        Assert.True((await node.SendAsync(user, room, "主播666")).IsAccepted);
    }

    [Theory]
    [InlineData("ＨＥＬＬＯ")]
    [InlineData("h.e.l.l.o")]
    [InlineData("Hel\u200Blo")]
    public async Task Duplicates_are_judged_on_normalized_text(string variant)
    {
        var (user, room) = (Ids.User(), Ids.Room());
        Assert.True((await node.SendAsync(user, room, "hello")).IsAccepted);
        Assert.Equal(ModerationReason.Duplicate, (await node.SendAsync(user, room, variant)).Reason);
    }

    [Fact]
    public async Task Another_user_or_another_room_is_not_a_duplicate_and_the_key_expires_with_its_window()
    {
        var (user, other, room) = (Ids.User(), Ids.User(), Ids.Room());
        var sent = System.Diagnostics.Stopwatch.StartNew();
        Assert.True((await node.SendAsync(user, room, "gg")).IsAccepted);
        Assert.True((await node.SendAsync(other, room, "gg")).IsAccepted);
        Assert.True((await node.SendAsync(user, room + 1, "gg")).IsAccepted);

        // The node that holds the room's slot (the only one on a standalone Redis; one of three on a cluster).
        var redis = node.Services.GetRequiredService<StackExchange.Redis.IConnectionMultiplexer>();
        var server = redis.GetServer((await node.Redis.IdentifyEndpointAsync($"mod:{{{room}}}:dup"))!);
        var key = Assert.Single(server.Keys(pattern: $"mod:{{{room}}}:dup:{user}:*"));
        var ttl = await node.Redis.KeyTimeToLiveAsync(key);
        // The window (5 s) less the time since the send; the key scan is slow on a Redis shared with other tests.
        Assert.InRange(ttl!.Value, TimeSpan.FromSeconds(5) - sent.Elapsed - TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Unique_mode_refuses_the_same_text_from_anyone_in_the_room_within_its_window()
    {
        var (first, second, room) = (Ids.User(), Ids.User(), Ids.Room());
        await node.Controls.SetUniqueModeAsync(room, TimeSpan.FromSeconds(10));

        Assert.True((await node.SendAsync(first, room, "first!")).IsAccepted);
        var copy = await node.SendAsync(second, room, "FIRST!");
        Assert.Equal(ModerationReason.DuplicateInRoom, copy.Reason);
        Assert.Equal("duplicate_in_room", copy.ReasonCode);
        Assert.Equal(TimeSpan.FromSeconds(10), copy.RetryAfter);

        node.Time.Advance(TimeSpan.FromSeconds(10));
        Assert.True((await node.SendAsync(second, room, "FIRST!")).IsAccepted);

        await node.Controls.SetUniqueModeAsync(room, null);
        Assert.Null(await node.Controls.GetUniqueModeAsync(room));
        Assert.True((await node.SendAsync(first, room, "FIRST!!")).IsAccepted);
        Assert.True((await node.SendAsync(second, room, "FIRST!!")).IsAccepted);
    }
}
