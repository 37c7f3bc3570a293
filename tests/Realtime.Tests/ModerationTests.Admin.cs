using System.Diagnostics;
using Grpc.Core;
using Live.Moderation.Words;
using Live.Protocol;
using Live.Testing;
using Live.V1;
using Microsoft.Extensions.DependencyInjection;

namespace Live.Realtime.Tests;

/// <summary>Word lists, message deletion and who may moderate a room.</summary>
public sealed partial class ModerationTests
{
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
}
