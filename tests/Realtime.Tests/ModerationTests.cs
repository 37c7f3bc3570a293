using System.Diagnostics;
using Grpc.Core;
using Live.Moderation.Words;
using Live.Protocol;
using Live.ServiceDefaults.Bans;
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
public sealed class ModerationTests(ModerationFixture fixture)
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

    [Fact]
    public async Task Disguised_block_words_are_refused_and_mask_words_arrive_masked()
    {
        var (room, anchor) = await NewRoomAsync();
        await fixture.AdminA.AddWordAsync(new AddWordRequest { Word = "badword", Action = Live.V1.WordAction.Block, RoomId = room }, ModerationFixture.As("AddWord", anchor));
        await fixture.AdminA.AddWordAsync(new AddWordRequest { Word = "spoiler", Action = Live.V1.WordAction.Mask, RoomId = room }, ModerationFixture.As("AddWord", anchor));
        await WaitUntilAsync(() => Task.FromResult(RoomWords(fixture.MessagesA, room) == 2 && RoomWords(fixture.MessagesB, room) == 2));

        await using var sender = await fixture.JoinAsync(fixture.EdgeB, room, fixture.NewUser());
        await using var watcher = await fixture.JoinAsync(fixture.EdgeA, room, fixture.NewUser());
        foreach (var disguised in new[] { "so ｂａｄｗｏｒｄ here", "so b\u200Ba\u200Bd\u200Bw\u200Bo\u200Br\u200Bd here", "so BaD.WoRd here" })
        {
            await sender.SendDanmakuAsync(disguised);
            var error = await sender.WaitForAsync(e => e.Type == FrameType.Error, Patience);
            Assert.Equal(((long)ErrorCode.BlockedWord, "blocked_word"), (error.Seq, error.Reason));
            Assert.DoesNotContain("badword", error.Content, StringComparison.OrdinalIgnoreCase);
        }

        await sender.SendDanmakuAsync("the spoiler: he dies");
        var masked = (await watcher.CollectMessagesAsync(1, Patience)).Single();
        Assert.Equal("the ***: he dies", masked.Content);
        var history = await fixture.MessagesClientA.GetHistoryAsync(new GetHistoryRequest { RoomId = room });
        Assert.Equal(["the ***: he dies"], history.Messages.Select(m => m.Content));

        // Moderators see the refusals, with the word that matched, from any node.
        var rejections = await WaitForRejectionsAsync(room, anchor, 3);
        Assert.All(rejections, r => Assert.Equal(("blocked_word", "badword"), (r.Reason, r.MatchedWord)));
        Assert.Equal("so BaD.WoRd here", rejections[0].Content);
    }

    [Fact]
    public async Task A_word_added_through_one_message_service_is_in_force_on_the_other_within_a_second()
    {
        var (room, _) = await NewRoomAsync();
        var word = "zq" + Guid.NewGuid().ToString("N")[..6];
        var filterB = fixture.MessagesB.Services.GetRequiredService<WordFilter>();
        Assert.Equal(WordVerdict.Clean, filterB.Scan(room, "say " + word).Verdict);

        var clock = Stopwatch.StartNew();
        var added = await fixture.AdminA.AddWordAsync(new AddWordRequest { Word = word.ToUpperInvariant(), Action = Live.V1.WordAction.Block }, ModerationFixture.As("AddWord", 1, "admin"));
        await WaitUntilAsync(() => Task.FromResult(filterB.Scan(room, "say " + word).Verdict == WordVerdict.Blocked));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"the word reached MessageService B after {clock.Elapsed.TotalMilliseconds:F0} ms");
        Assert.Equal((word, 0L), (added.Word, added.RoomId));

        await using var sender = await fixture.JoinAsync(fixture.EdgeB, room, fixture.NewUser());
        await sender.SendDanmakuAsync("say " + word);
        Assert.Equal("blocked_word", (await sender.WaitForAsync(e => e.Type == FrameType.Error, Patience)).Reason);

        var listed = await fixture.AdminB.ListWordsAsync(new ListWordsRequest { AfterId = added.Id - 1, PageSize = 1 }, ModerationFixture.As("ListWords", 1, "admin"));
        Assert.Equal(word, listed.Words.Single().Word);

        clock.Restart();
        await fixture.AdminA.RemoveWordAsync(new RemoveWordRequest { Word = word }, ModerationFixture.As("RemoveWord", 1, "admin"));
        await WaitUntilAsync(() => Task.FromResult(filterB.Scan(room, "say " + word).Verdict == WordVerdict.Clean));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"the removal reached MessageService B after {clock.Elapsed.TotalMilliseconds:F0} ms");
        var gone = await Assert.ThrowsAsync<RpcException>(() => fixture.AdminA.RemoveWordAsync(new RemoveWordRequest { Word = word }, ModerationFixture.As("RemoveWord", 1, "admin")).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task A_deleted_message_leaves_the_history_and_clients_on_both_edges_get_a_delete_frame()
    {
        var (room, anchor) = await NewRoomAsync();
        await using var sender = await fixture.JoinAsync(fixture.EdgeA, room, fixture.NewUser());
        await using var onA = await fixture.JoinAsync(fixture.EdgeA, room, fixture.NewUser());
        await using var onB = await fixture.JoinAsync(fixture.EdgeB, room, fixture.NewUser());
        await using var jsonOnB = await RoomClient.ConnectAsync(new Uri($"ws://127.0.0.1:{fixture.EdgeB.HttpAddress.Port}/ws?room={room}&format=json"));
        await jsonOnB.WaitForAsync(e => e.Type == FrameType.Resume, Patience);

        await sender.SendDanmakuAsync("keep me");
        await sender.SendDanmakuAsync("oops");
        var oops = (await onB.CollectMessagesAsync(2, Patience)).Single(m => m.Content == "oops");

        await fixture.AdminB.DeleteMessageAsync(new DeleteMessageRequest { RoomId = room, Seq = oops.Seq }, ModerationFixture.As("DeleteMessage", anchor));
        foreach (var client in new[] { sender, onA, onB, jsonOnB })
        {
            Assert.Equal(oops.Seq, (await client.WaitForAsync(e => e.Type == FrameType.Delete, Patience)).Seq);
        }

        var history = await fixture.MessagesClientA.GetHistoryAsync(new GetHistoryRequest { RoomId = room });
        Assert.Equal(["keep me"], history.Messages.Select(m => m.Content));
        var again = await Assert.ThrowsAsync<RpcException>(() => fixture.AdminA.DeleteMessageAsync(
            new DeleteMessageRequest { RoomId = room, Seq = oops.Seq }, ModerationFixture.As("DeleteMessage", anchor)).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, again.StatusCode);
    }

    [Fact]
    public async Task Only_admins_and_the_rooms_anchor_may_moderate_it()
    {
        var (room, anchor) = await NewRoomAsync();
        var (otherRoom, otherAnchor) = await NewRoomAsync();
        var viewer = fixture.NewUser();
        var admin = fixture.AdminA;

        var denied = new Func<Task>[]
        {
            () => admin.SetSlowModeAsync(new SetSlowModeRequest { RoomId = room, IntervalSeconds = 5 }, ModerationFixture.As("SetSlowMode", viewer)).ResponseAsync,
            () => admin.SetSlowModeAsync(new SetSlowModeRequest { RoomId = room, IntervalSeconds = 5 }, ModerationFixture.As("SetSlowMode", otherAnchor, "anchor")).ResponseAsync,
            () => admin.TimeOutUserAsync(new TimeOutUserRequest { RoomId = otherRoom, UserId = viewer, DurationSeconds = 60 }, ModerationFixture.As("TimeOutUser", anchor, "anchor")).ResponseAsync,
            () => admin.SetUniqueModeAsync(new SetUniqueModeRequest { RoomId = room, WindowSeconds = 5 }, ModerationFixture.As("SetUniqueMode", viewer)).ResponseAsync,
            () => admin.DeleteMessageAsync(new DeleteMessageRequest { RoomId = room, Seq = 1 }, ModerationFixture.As("DeleteMessage", viewer)).ResponseAsync,
            () => admin.ListRejectionsAsync(new ListRejectionsRequest { RoomId = room }, ModerationFixture.As("ListRejections", otherAnchor)).ResponseAsync,
            () => admin.AddWordAsync(new AddWordRequest { Word = "x", Action = Live.V1.WordAction.Block, RoomId = room }, ModerationFixture.As("AddWord", viewer)).ResponseAsync,
            // The global list is the admins' alone, anchors included.
            () => admin.AddWordAsync(new AddWordRequest { Word = "x", Action = Live.V1.WordAction.Block }, ModerationFixture.As("AddWord", anchor, "anchor")).ResponseAsync,
            () => admin.ListWordsAsync(new ListWordsRequest(), ModerationFixture.As("ListWords", anchor, "anchor")).ResponseAsync,
        };
        foreach (var call in denied)
        {
            Assert.Equal(StatusCode.PermissionDenied, (await Assert.ThrowsAsync<RpcException>(call)).StatusCode);
        }

        Assert.Equal(StatusCode.Unauthenticated, (await Assert.ThrowsAsync<RpcException>(() =>
            admin.GetRoomModerationAsync(new GetRoomModerationRequest { RoomId = room }, Anonymous("GetRoomModeration")).ResponseAsync)).StatusCode);

        // Bad input gets a clear error, whoever asks.
        var invalid = new (Func<Task> Call, StatusCode Code, string Detail)[]
        {
            (() => admin.SetSlowModeAsync(new SetSlowModeRequest { RoomId = room, IntervalSeconds = 3_601 }, ModerationFixture.As("SetSlowMode", anchor)).ResponseAsync, StatusCode.InvalidArgument, "interval_seconds must be 0..3600"),
            (() => admin.TimeOutUserAsync(new TimeOutUserRequest { RoomId = room, UserId = viewer }, ModerationFixture.As("TimeOutUser", anchor)).ResponseAsync, StatusCode.InvalidArgument, "duration_seconds must be 1..604800"),
            (() => admin.ListRejectionsAsync(new ListRejectionsRequest { RoomId = room, Limit = 101 }, ModerationFixture.As("ListRejections", anchor)).ResponseAsync, StatusCode.InvalidArgument, "limit must be 1..100"),
            (() => admin.AddWordAsync(new AddWordRequest { Word = "x", RoomId = room }, ModerationFixture.As("AddWord", anchor)).ResponseAsync, StatusCode.InvalidArgument, "action must be"),
            (() => admin.AddWordAsync(new AddWordRequest { Word = " . ", Action = Live.V1.WordAction.Mask, RoomId = room }, ModerationFixture.As("AddWord", anchor)).ResponseAsync, StatusCode.InvalidArgument, "empty once normalized"),
            (() => admin.SetSlowModeAsync(new SetSlowModeRequest { RoomId = 987_654_321, IntervalSeconds = 1 }, ModerationFixture.As("SetSlowMode", 1, "admin")).ResponseAsync, StatusCode.NotFound, "does not exist"),
            (() => admin.DeleteMessageAsync(new DeleteMessageRequest { RoomId = room, Seq = 0 }, ModerationFixture.As("DeleteMessage", anchor)).ResponseAsync, StatusCode.InvalidArgument, "seq must be a positive id"),
        };
        foreach (var (call, code, detail) in invalid)
        {
            var error = await Assert.ThrowsAsync<RpcException>(call);
            Assert.Equal(code, error.StatusCode);
            Assert.Contains(detail, error.Status.Detail);
        }

        // The anchor of the room and an admin may.
        var unique = await admin.SetUniqueModeAsync(new SetUniqueModeRequest { RoomId = room, WindowSeconds = 30 }, ModerationFixture.As("SetUniqueMode", anchor));
        Assert.Equal(30, unique.UniqueWindowSeconds);
        var read = await fixture.AdminB.GetRoomModerationAsync(new GetRoomModerationRequest { RoomId = room }, ModerationFixture.As("GetRoomModeration", 424242, "admin"));
        Assert.Equal((0, 30), (read.SlowModeSeconds, read.UniqueWindowSeconds));

        // Unique mode: the same text from someone else is refused while the window lasts.
        await using var first = await fixture.JoinAsync(fixture.EdgeA, room, fixture.NewUser());
        await using var second = await fixture.JoinAsync(fixture.EdgeB, room, fixture.NewUser());
        await first.SendDanmakuAsync("666");
        await first.WaitForAsync(e => e.Content == "666", Patience);
        await second.SendDanmakuAsync("６６６");
        Assert.Equal("duplicate_in_room", (await second.WaitForAsync(e => e.Type == FrameType.Error, Patience)).Reason);
        await admin.SetUniqueModeAsync(new SetUniqueModeRequest { RoomId = room }, ModerationFixture.As("SetUniqueMode", 424242, "admin"));
    }

    private async Task<(long Room, long Anchor)> NewRoomAsync()
    {
        var anchor = fixture.NewUser();
        var room = await fixture.CreateLiveRoomAsync(anchor);
        return (room.Id, anchor);
    }

    private static int RoomWords(TestHost node, long room) => node.Services.GetRequiredService<WordFilter>().RoomWordCount(room);

    private async Task<List<Rejection>> WaitForRejectionsAsync(long room, long anchor, int count)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var listed = await fixture.AdminB.ListRejectionsAsync(new ListRejectionsRequest { RoomId = room }, ModerationFixture.As("ListRejections", anchor));
            if (listed.Rejections.Count >= count || clock.Elapsed > Patience)
            {
                Assert.Equal(count, listed.Rejections.Count);
                return [.. listed.Rejections];
            }

            await Task.Delay(50);
        }
    }

    private static Metadata Anonymous(string method)
    {
        var proof = Live.ServiceDefaults.Identity.ProxyIdentityProof.Create(System.Text.Encoding.UTF8.GetBytes(RealtimeFixture.ProxySecret),
            DateTimeOffset.UtcNow.ToUnixTimeSeconds(), $"/live.v1.ModerationAdmin/{method}", "", "", "", "");
        return new Metadata { { "x-live-identity", proof } };
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
