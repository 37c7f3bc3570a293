using System.Diagnostics;
using Grpc.Core;
using Live.Bans;
using Live.Protocol;
using Live.Testing;
using Live.V1;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Live.Realtime.Tests;

/// <summary>
/// Moderation through the real path: WebSocket clients on two Edges, two MessageServices, MariaDB word lists,
/// Redis state, and the admin gRPC API with identities signed as the Proxy signs them.
/// </summary>
[Collection(ModerationCollection.Name)]
public sealed partial class ModerationTests(ModerationFixture fixture)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(800);

    private IDatabase Redis => fixture.MessagesA.Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();

    [Fact]
    public async Task The_eleventh_message_within_a_second_gets_an_error_frame_and_the_connection_stays_open()
    {
        var (room, _) = await NewRoomAsync();
        await using var sender = await fixture.JoinAsync(fixture.EdgeA, room, fixture.NewUser());
        await using var watcher = await fixture.JoinAsync(fixture.EdgeB, room, fixture.NewUser());

        for (var i = 1; i <= 11; i++)
        {
            await sender.SendDanmakuAsync("burst " + i);
        }

        var error = await sender.WaitForAsync(e => e.Type == FrameType.Error, Patience);
        Assert.Equal((long)ErrorCode.RateLimited, error.Seq);
        Assert.Equal("rate_limited", error.Reason);
        Assert.InRange(error.RetryAfterMs, 1, 1_000 / ModerationFixture.RefillPerSecond);
        var delivered = await watcher.CollectMessagesAsync(11, Quiet + Quiet);
        Assert.Equal(Enumerable.Range(1, 10).Select(i => "burst " + i), delivered.Select(m => m.Content));

        // Not a disconnect: once a token is due the same connection is heard again.
        await Task.Delay(TimeSpan.FromMilliseconds(error.RetryAfterMs + 50));
        await sender.SendDanmakuAsync("after the wait");
        Assert.Equal("after the wait", (await watcher.CollectMessagesAsync(1, Patience)).Single().Content);
        Assert.DoesNotContain(await sender.DrainAsync(TimeSpan.FromMilliseconds(200)), e => e.IsClose);
    }

    [Fact]
    public async Task A_higher_level_raises_the_limit()
    {
        var (room, _) = await NewRoomAsync();
        await using var sender = await fixture.JoinAsync(fixture.EdgeA, room, fixture.NewUser(), level: ModerationFixture.HighLevel);
        await using var watcher = await fixture.JoinAsync(fixture.EdgeB, room, fixture.NewUser());

        for (var i = 1; i <= ModerationFixture.HighLevelBurst + 1; i++)
        {
            await sender.SendDanmakuAsync("level " + i);
        }

        Assert.Equal(ModerationFixture.HighLevelBurst, (await watcher.CollectMessagesAsync(ModerationFixture.HighLevelBurst + 1, Quiet + Quiet)).Count);
        Assert.Equal("rate_limited", (await sender.WaitForAsync(e => e.Type == FrameType.Error, Patience)).Reason);
    }

    [Fact]
    public async Task A_repeat_flooder_is_told_why_and_disconnected_with_4030()
    {
        var (room, _) = await NewRoomAsync();
        await using var flooder = await fixture.JoinAsync(fixture.EdgeA, room, fixture.NewUser());
        await using var bystander = await fixture.JoinAsync(fixture.EdgeA, room, fixture.NewUser());

        try
        {
            for (var i = 0; i < 10 + ModerationFixture.DisconnectAfterRefusals + 5; i++)
            {
                await flooder.SendDanmakuAsync("flood " + i);
            }
        }
        catch (System.Net.WebSockets.WebSocketException)
        {
            // The Edge may already have closed the socket.
        }

        var seen = new List<ClientEvent>();
        var close = await flooder.WaitForAsync(e => { seen.Add(e); return e.IsClose; }, Patience);
        Assert.Equal(CloseCodes.Flooding, close.CloseStatus);
        var errors = seen.Where(e => e.Type == FrameType.Error).ToList();
        Assert.Equal(ModerationFixture.DisconnectAfterRefusals - 1, errors.Count(e => e.Reason == "rate_limited"));
        Assert.Equal("flooding", errors[ModerationFixture.DisconnectAfterRefusals - 1].Reason);

        // Only the flooder goes: the room and the Edge carry on. (A token comes due if the flood took over a second.)
        Assert.InRange((await bystander.CollectMessagesAsync(12, Quiet)).Count, 10, 11);
        await using var next = await fixture.JoinAsync(fixture.EdgeA, room, fixture.NewUser());
        await next.SendDanmakuAsync("still here");
        Assert.Equal("still here", (await bystander.CollectMessagesAsync(1, Patience)).Single().Content);
    }

    [Fact]
    public async Task Slow_mode_set_through_the_admin_api_spaces_a_users_messages()
    {
        var (room, anchor) = await NewRoomAsync();
        var set = await fixture.AdminA.SetSlowModeAsync(new SetSlowModeRequest { RoomId = room, IntervalSeconds = 2 }, ModerationFixture.As("SetSlowMode", anchor));
        Assert.Equal(2, set.SlowModeSeconds);
        var user = fixture.NewUser();
        await using var sender = await fixture.JoinAsync(fixture.EdgeB, room, user);
        await using var watcher = await fixture.JoinAsync(fixture.EdgeA, room, fixture.NewUser());

        await sender.SendDanmakuAsync("first");
        Assert.Equal("first", (await watcher.CollectMessagesAsync(1, Patience)).Single().Content);
        await sender.SendDanmakuAsync("second");
        var error = await sender.WaitForAsync(e => e.Type == FrameType.Error, Patience);
        Assert.Equal((long)ErrorCode.SlowMode, error.Seq);
        Assert.Equal("slow_mode", error.Reason);
        Assert.InRange(error.RetryAfterMs, 1_000, 2_000);

        // The same rule for a user publishing through the API, with the reason and retry time as trailers.
        var asUser = new Metadata();
        foreach (var (name, value) in RealtimeFixture.SignedIdentity("/live.v1.MessageService/Publish", user, "user" + user))
        {
            asUser.Add(name, value);
        }

        var refused = await Assert.ThrowsAsync<RpcException>(() => fixture.MessagesClientA.PublishAsync(
            new PublishRequest { RoomId = room, Kind = MessageKind.Danmaku, Content = "by api" }, asUser).ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Equal("slow_mode", refused.Trailers.GetValue("live-reason"));
        Assert.InRange(long.Parse(refused.Trailers.GetValue("retry-after-ms")!, System.Globalization.CultureInfo.InvariantCulture), 1, 2_000);

        await Task.Delay(TimeSpan.FromMilliseconds(error.RetryAfterMs + 50));
        await sender.SendDanmakuAsync("third");
        Assert.Equal("third", (await watcher.CollectMessagesAsync(1, Patience)).Single().Content);

        var off = await fixture.AdminB.SetSlowModeAsync(new SetSlowModeRequest { RoomId = room }, ModerationFixture.As("SetSlowMode", anchor));
        Assert.Equal(0, off.SlowModeSeconds);
        await sender.SendDanmakuAsync("fourth");
        Assert.Equal("fourth", (await watcher.CollectMessagesAsync(1, Patience)).Single().Content);
    }

    [Fact]
    public async Task A_timeout_refuses_the_user_until_it_expires()
    {
        var (room, anchor) = await NewRoomAsync();
        var user = fixture.NewUser();
        await using var sender = await fixture.JoinAsync(fixture.EdgeA, room, user);
        await using var watcher = await fixture.JoinAsync(fixture.EdgeB, room, fixture.NewUser());

        var timedOut = await fixture.AdminB.TimeOutUserAsync(new TimeOutUserRequest { RoomId = room, UserId = user, DurationSeconds = 2 }, ModerationFixture.As("TimeOutUser", anchor));
        Assert.InRange(timedOut.UntilMs - DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), 1_000, 2_000);

        await sender.SendDanmakuAsync("let me talk");
        var error = await sender.WaitForAsync(e => e.Type == FrameType.Error, Patience);
        Assert.Equal((long)ErrorCode.TimedOut, error.Seq);
        Assert.Equal("timed_out", error.Reason);
        Assert.InRange(error.RetryAfterMs, 1, 2_000);

        // Others are not affected meanwhile.
        await using var other = await fixture.JoinAsync(fixture.EdgeA, room, fixture.NewUser());
        await other.SendDanmakuAsync("someone else");
        Assert.Equal("someone else", (await watcher.CollectMessagesAsync(1, Patience)).Single().Content);

        await Task.Delay(TimeSpan.FromMilliseconds(error.RetryAfterMs + 50));
        await sender.SendDanmakuAsync("back again");
        Assert.Equal("back again", (await watcher.CollectMessagesAsync(1, Patience)).Single().Content);
    }

    [Fact]
    public async Task A_shadow_banned_sender_sees_their_message_and_nobody_else_does()
    {
        var (room, _) = await NewRoomAsync();
        var shadowed = fixture.NewUser();
        var subject = BanKeys.UserSubject(shadowed);

        // As UserService's BanUser with shadow = true writes it (tests/UserService.Tests).
        var expiry = DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeMilliseconds();
        await Redis.SortedSetAddAsync(BanKeys.Shadows, subject, expiry);
        await Redis.PublishAsync(BanKeys.Changes, BanKeys.ChangeMessage(BanKeys.ShadowKind, subject, expiry));
        try
        {
            await using var sender = await fixture.JoinAsync(fixture.EdgeA, room, shadowed);
            await using var sameEdge = await fixture.JoinAsync(fixture.EdgeA, room, fixture.NewUser());
            await using var otherEdge = await fixture.JoinAsync(fixture.EdgeB, room, fixture.NewUser());
            await using var speaker = await fixture.JoinAsync(fixture.EdgeB, room, fixture.NewUser());
            await speaker.SendDanmakuAsync("before");
            var before = (await otherEdge.CollectMessagesAsync(1, Patience)).Single();
            await sender.WaitForAsync(e => e.Content == "before", Patience);

            await sender.SendDanmakuAsync("only I see this");
            var own = await sender.WaitForAsync(e => e.Type == FrameType.Danmaku || e.Type == FrameType.Error, Patience);
            Assert.Equal(("only I see this", shadowed, true), (own.Content, own.UserId, own.InBatch));
            Assert.Equal(before.Seq, own.Seq);
            Assert.DoesNotContain(await sender.DrainAsync(Quiet), e => e.Type == FrameType.Error);

            // The next real message arrives everywhere, the shadow one nowhere else, and the room's seqs have no gap.
            await speaker.SendDanmakuAsync("after");
            foreach (var viewer in new[] { sameEdge, otherEdge })
            {
                var received = await viewer.CollectMessagesAsync(3, Quiet + Quiet);
                Assert.DoesNotContain(received, m => m.Content == "only I see this");
                Assert.Equal(before.Seq + 1, received.Single(m => m.Content == "after").Seq);
            }

            Assert.Equal("after", (await sender.CollectMessagesAsync(1, Patience)).Single().Content);
            var history = await fixture.MessagesClientA.GetHistoryAsync(new GetHistoryRequest { RoomId = room });
            Assert.Equal(["before", "after"], history.Messages.Select(m => m.Content));
        }
        finally
        {
            await Redis.SortedSetRemoveAsync(BanKeys.Shadows, subject);
            await Redis.PublishAsync(BanKeys.Changes, BanKeys.LiftedMessage(BanKeys.ShadowKind, subject));
        }
    }

    [Fact]
    public async Task Banned_users_and_addresses_get_error_frames_and_stay_connected()
    {
        var (room, _) = await NewRoomAsync();
        var banned = fixture.NewUser();
        var address = $"203.0.113.{Random.Shared.Next(1, 255)}";
        var banList = fixture.MessagesA.Services.GetRequiredService<BanList>();
        await BanAsync(BanKeys.UserKind, BanKeys.UserSubject(banned));
        await BanAsync(BanKeys.IpKind, address);
        try
        {
            await WaitUntilAsync(async () => await banList.IsUserBannedAsync(banned) && await banList.IsIpBannedAsync(System.Net.IPAddress.Parse(address)));
            await using var user = await fixture.JoinAsync(fixture.EdgeA, room, banned);
            await using var fromAddress = await fixture.JoinAsync(fixture.EdgeA, room, fixture.NewUser(), forwardedFor: address);
            await using var watcher = await fixture.JoinAsync(fixture.EdgeA, room, fixture.NewUser());

            await user.SendDanmakuAsync("hello");
            Assert.Equal((long)ErrorCode.Banned, (await user.WaitForAsync(e => e.Type == FrameType.Error, Patience)).Seq);
            await fromAddress.SendDanmakuAsync("hello");
            var ipError = await fromAddress.WaitForAsync(e => e.Type == FrameType.Error, Patience);
            Assert.Equal(("ip_banned", 0L), (ipError.Reason, ipError.RetryAfterMs));
            Assert.Empty(await watcher.CollectMessagesAsync(1, Quiet));
            Assert.DoesNotContain(await user.DrainAsync(TimeSpan.FromMilliseconds(200)), e => e.IsClose);
        }
        finally
        {
            await LiftAsync(BanKeys.UserKind, BanKeys.UserSubject(banned));
            await LiftAsync(BanKeys.IpKind, address);
        }
    }

    [Fact]
    public async Task The_same_text_again_within_the_window_is_a_duplicate()
    {
        var (room, _) = await NewRoomAsync();
        await using var sender = await fixture.JoinAsync(fixture.EdgeA, room, fixture.NewUser());
        await using var watcher = await fixture.JoinAsync(fixture.EdgeB, room, fixture.NewUser());

        await sender.SendDanmakuAsync("same thing");
        await sender.SendDanmakuAsync("ＳＡＭＥ thing");
        var error = await sender.WaitForAsync(e => e.Type == FrameType.Error, Patience);
        Assert.Equal((long)ErrorCode.Duplicate, error.Seq);
        Assert.InRange(error.RetryAfterMs, 1, 5_000);
        Assert.Equal(["same thing"], (await watcher.CollectMessagesAsync(2, Quiet)).Select(m => m.Content));
    }

    private async Task<(long Room, long Anchor)> NewRoomAsync()
    {
        var anchor = fixture.NewUser();
        var room = await fixture.CreateLiveRoomAsync(anchor);
        return (room.Id, anchor);
    }

    /// <summary>A ban as UserService's BanStore writes it: the mirror entry, then the change message.</summary>
    private async Task BanAsync(string kind, string subject)
    {
        var expiry = DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeMilliseconds();
        await Redis.SortedSetAddAsync(BanKeys.For(kind), subject, expiry);
        await Redis.PublishAsync(BanKeys.Changes, BanKeys.ChangeMessage(kind, subject, expiry));
    }

    private async Task LiftAsync(string kind, string subject)
    {
        await Redis.SortedSetRemoveAsync(BanKeys.For(kind), subject);
        await Redis.PublishAsync(BanKeys.Changes, BanKeys.LiftedMessage(kind, subject));
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(clock.Elapsed < Patience, "the condition did not become true in time");
            await Task.Delay(10);
        }
    }
}
