using Grpc.Core;
using Live.Protocol;
using Live.Testing;
using Live.V1;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Live.Realtime.Tests;

/// <summary>
/// Room stream epochs (ADR 0007) on real processes: two MessageServices and two Edges on a Redis of the test's
/// own (no persistence), which the test restarts or edits. Whatever Redis loses, a client sees every message
/// or an explicit not-recovered frame, and never the same seq twice within one epoch.
/// </summary>
[Collection(RealtimeCollection.Name)]
public sealed class EpochTests(RealtimeFixture fixture) : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private PrivateRedis redis = null!;
    private TestHost messagesA = null!;
    private TestHost messagesB = null!;
    private TestHost edgeA = null!;
    private TestHost edgeB = null!;
    private Live.V1.MessageService.MessageServiceClient messages = null!;

    public async Task InitializeAsync()
    {
        redis = await PrivateRedis.StartAsync();
        var onPrivateRedis = new Dictionary<string, string?> { ["ConnectionStrings:Redis"] = redis.ConnectionString };
        messagesA = await fixture.StartMessageServiceAsync(overrides: onPrivateRedis);
        messagesB = await fixture.StartMessageServiceAsync(overrides: onPrivateRedis);
        messages = new Live.V1.MessageService.MessageServiceClient(messagesA.Channel);
        edgeA = await fixture.StartEdgeAsync(messagesA);
        edgeB = await fixture.StartEdgeAsync(messagesB);
    }

    public async Task DisposeAsync()
    {
        foreach (var host in new[] { edgeA, edgeB, messagesA, messagesB })
        {
            await host.DisposeAsync();
        }

        await redis.DisposeAsync();
    }

    [Fact]
    public async Task A_Redis_restart_during_traffic_tells_live_viewers_the_new_epoch_before_its_messages()
    {
        var room = await fixture.CreateLiveRoomAsync();
        await using var viewerA = await FollowerAsync(edgeA, room.Id, 201);
        await using var viewerB = await FollowerAsync(edgeB, room.Id, 202);
        await PublishAsync(room.Id, "before", 10);
        var oldEpoch = EpochOf(await viewerA.UntilAsync(e => e.Content == "before 10", Patience));
        await viewerB.UntilAsync(e => e.Content == "before 10", Patience);
        using var replacedA = new CounterListener(messagesA, "live.message.epochs.replaced");
        using var replacedB = new CounterListener(messagesB, "live.message.epochs.replaced");

        // Traffic goes on at once, while the nodes reconnect: whatever a node's subscription missed meanwhile (the
        // new epoch's announcement, its first messages) its viewers get from history after a 1001, as clients resume.
        await redis.StopAsync();
        await redis.StartAgainAsync();
        Assert.Equal([1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L], await PublishAsync(room.Id, "after", 11));

        var epoch = await EpochAsync(room.Id);
        foreach (var viewer in new[] { viewerA, viewerB })
        {
            var seen = await viewer.UntilAsync(e => e.Content == "after 11", Patience);
            StreamWalk.AssertNoSilentGapOrRepeat(seen, startEpoch: oldEpoch, startSeq: 10);
            Assert.Equal(Enumerable.Range(1, 11).Select(n => "after " + n), seen.Where(StreamWalk.IsMessage).Select(e => e.Content));
            var notRecovered = seen.First(e => e.Type == FrameType.NotRecovered);
            Assert.Equal(10, notRecovered.Seq);
            Assert.NotEqual(oldEpoch, notRecovered.Epoch);
            Assert.Equal(epoch, seen.Last(e => e.Type is FrameType.Resume or FrameType.NotRecovered).Epoch);
        }

        // Each node forwarding the room counts the replacement (the RoomEpochReplaced alert fires on any increase;
        // a node whose subscription was interrupted may see the regression twice).
        Assert.True(replacedA.Total >= 1 && replacedB.Total >= 1, $"replacements counted: {replacedA.Total}, {replacedB.Total}");
    }

    [Fact]
    public async Task A_client_resuming_with_the_old_epoch_is_told_its_range_is_lost_and_gets_the_new_epoch_from_its_start()
    {
        var room = await fixture.CreateLiveRoomAsync();
        long oldEpoch;
        await using (var before = await ViewerAsync(edgeA, room.Id, 203))
        {
            await PublishAsync(room.Id, "before", 10);
            oldEpoch = EpochOf(await UntilAsync(before, e => e.Content == "before 10"));
        }

        await RestartRedisAsync();
        await PublishAsync(room.Id, "after", 12);

        // Without the epoch, last_seq=10 would be taken as "I have 1..10" of the new lineage and only 11, 12 replayed.
        var (resumer, seen) = await ResumeAsync(edgeB, room.Id, $"last_seq=10&epoch={oldEpoch}&format=json", 204);
        await using var resumerConnection = resumer;
        var notRecovered = Assert.Single(seen, e => e.Type == FrameType.NotRecovered);
        Assert.Equal(10, notRecovered.Seq);
        Assert.NotEqual(oldEpoch, notRecovered.Epoch);
        Assert.Equal(Enumerable.Range(1, 12).Select(n => "after " + n), seen.Where(StreamWalk.IsMessage).Select(e => e.Content));
        Assert.Equal((12L, notRecovered.Epoch), (seen[^1].Seq, seen[^1].Epoch));
        Assert.Equal(await EpochAsync(room.Id), notRecovered.Epoch);

        await PublishAsync(room.Id, "live", 1);
        var live = Assert.Single(await resumer.CollectMessagesAsync(1, Patience));
        Assert.Equal((13L, "live 1"), (live.Seq, live.Content));

        // A client that knows the current epoch resumes as before.
        var (current, resumed) = await ResumeAsync(edgeA, room.Id, $"last_seq=11&epoch={notRecovered.Epoch}", 205);
        await using var currentConnection = current;
        Assert.DoesNotContain(resumed, e => e.Type == FrameType.NotRecovered);
        Assert.Equal([12L, 13L], resumed.Where(StreamWalk.IsMessage).Select(e => e.Seq));
        Assert.Equal((13L, notRecovered.Epoch), (resumed[^1].Seq, resumed[^1].Epoch));
    }

    [Fact]
    public async Task A_seq_that_goes_backwards_within_an_epoch_is_detected_and_every_viewer_moves_to_a_new_epoch()
    {
        var room = await fixture.CreateLiveRoomAsync();
        await using var viewerA = await ViewerAsync(edgeA, room.Id, 206);
        await using var viewerB = await ViewerAsync(edgeB, room.Id, 207);
        await PublishAsync(room.Id, "before", 10);
        var oldEpoch = EpochOf(await UntilAsync(viewerA, e => e.Content == "before 10"));
        await UntilAsync(viewerB, e => e.Content == "before 10");

        using var regressionsA = new CounterListener(messagesA, "live.message.stream.regressions");
        using var regressionsB = new CounterListener(messagesB, "live.message.stream.regressions");
        using var replacedA = new CounterListener(messagesA, "live.message.epochs.replaced");

        // What a replica that lagged five messages behind holds: seq 5 and history up to 5, the epoch unchanged.
        await LagRoomStateAsync(room.Id, 5);
        await PublishAsync(room.Id, "lagged", 3);
        var untilNewEpoch = new List<ClientEvent>[2];
        untilNewEpoch[0] = await UntilAsync(viewerA, e => e.Type == FrameType.Resume && e.Epoch != oldEpoch);
        untilNewEpoch[1] = await UntilAsync(viewerB, e => e.Type == FrameType.Resume && e.Epoch != oldEpoch);
        await PublishAsync(room.Id, "after", 2);

        long newEpoch = 0;
        foreach (var (viewer, index) in new[] { (viewerA, 0), (viewerB, 1) })
        {
            var seen = untilNewEpoch[index].Concat(await UntilAsync(viewer, e => e.Content == "after 2")).ToList();
            StreamWalk.AssertNoSilentGapOrRepeat(seen, startEpoch: oldEpoch, startSeq: 10);
            // The lagged messages are the new epoch's 6..8: published while the nodes were replacing the epoch, held
            // and sent right after its announcement, never skipped by a resume frame that starts past them.
            Assert.Equal(["lagged 1", "lagged 2", "lagged 3", "after 1", "after 2"], seen.Where(StreamWalk.IsMessage).Select(e => e.Content));
            Assert.Equal([6L, 7L, 8L, 9L, 10L], seen.Where(StreamWalk.IsMessage).Select(e => e.Seq));
            var notRecovered = Assert.Single(seen, e => e.Type == FrameType.NotRecovered);
            Assert.Equal(10, notRecovered.Seq);
            Assert.NotEqual(oldEpoch, notRecovered.Epoch);
            newEpoch = notRecovered.Epoch;
        }

        Assert.Equal(newEpoch, await EpochAsync(room.Id));
        Assert.True(regressionsA.Total + regressionsB.Total >= 1, "the seq going backwards is counted");
        Assert.Equal(1L, replacedA.Total);
        await using var check = await RoomClient.ConnectAsync(fixture.WebSocketUri(edgeA, room.Id, $"last_seq=10&epoch={oldEpoch}"), userId: 208);
        var told = await check.WaitForAsync(e => e.Type == FrameType.NotRecovered, Patience);
        Assert.Equal((10L, newEpoch), (told.Seq, told.Epoch));
    }

    [Fact]
    public async Task A_room_whose_seq_key_predates_epochs_keeps_its_seqs_and_gets_an_epoch_without_a_WRONGTYPE()
    {
        var room = await fixture.CreateLiveRoomAsync();
        await PublishAsync(room.Id, "old", 3);
        // What the code before epochs left in Redis: the seq as a plain counter (INCR), with its TTL.
        await using (var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString))
        {
            var db = connection.GetDatabase();
            await db.KeyDeleteAsync(SeqKey(room.Id));
            await db.StringSetAsync(SeqKey(room.Id), 3, TimeSpan.FromHours(1));
        }

        // Joining, resuming and reading history read the counter as the room's seq, in no epoch yet.
        await using var viewer = await ViewerAsync(edgeA, room.Id, 209);
        var joined = await UntilAsync(viewer, e => e.Type == FrameType.Resume);
        Assert.Equal((3L, 0L), (joined[^1].Seq, joined[^1].Epoch));
        var (resumer, replayed) = await ResumeAsync(edgeB, room.Id, "last_seq=1", 210);
        await using var resumerConnection = resumer;
        Assert.Equal(["old 2", "old 3"], replayed.Where(StreamWalk.IsMessage).Select(e => e.Content));
        var history = await messages.GetHistoryAsync(new GetHistoryRequest { RoomId = room.Id, AfterSeq = 0 });
        Assert.Equal((3L, 0L, 3), (history.LatestSeq, history.Epoch, history.Messages.Count));

        // The next message moves the counter into the position hash: the seqs go on, and the stream gets an epoch
        // that loses nothing (the announcement's not-recovered frame has seq 0).
        Assert.Equal([4L], await PublishAsync(room.Id, "new", 1));
        var seen = await UntilAsync(viewer, e => e.Content == "new 1");
        StreamWalk.AssertNoSilentGapOrRepeat(seen, startEpoch: 0, startSeq: 3);
        var epoch = await EpochAsync(room.Id);
        var notRecovered = Assert.Single(seen, e => e.Type == FrameType.NotRecovered);
        Assert.Equal((0L, epoch), (notRecovered.Seq, notRecovered.Epoch));
        Assert.Equal((FrameType.Resume, 3L, epoch), (seen[^2].Type, seen[^2].Seq, seen[^2].Epoch));
        Assert.Equal((4L, "new 1"), (seen[^1].Seq, seen[^1].Content));
        await using (var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString))
        {
            Assert.True(await connection.GetDatabase().KeyTimeToLiveAsync(SeqKey(room.Id)) > TimeSpan.FromMinutes(50), "the counter's TTL went with it");
        }

        var resumed = await UntilAsync(resumer, e => e.Content == "new 1");
        StreamWalk.AssertNoSilentGapOrRepeat(resumed, startEpoch: 0, startSeq: 3);
    }

    /// <summary>
    /// Connects with a resume query and returns what arrived up to the resume frame. A 1001 before it (the Edge's
    /// relay stream broke: a node's subscribe failed while it was still reconnecting to Redis) is answered as a
    /// client does, by connecting again with the same query.
    /// </summary>
    private async Task<(RoomClient Client, List<ClientEvent> Seen)> ResumeAsync(TestHost edge, long roomId, string query, long userId)
    {
        for (var attempt = 1; ; attempt++)
        {
            var client = await RoomClient.ConnectAsync(fixture.WebSocketUri(edge, roomId, query), userId: userId);
            var seen = await UntilAsync(client, e => e.Type == FrameType.Resume || e.IsClose);
            if (!seen[^1].IsClose)
            {
                return (client, seen);
            }

            await client.DisposeAsync();
            Assert.True(seen[^1].CloseStatus == 1001 && attempt < 5, $"closed {seen[^1].CloseStatus}: {seen[^1].Content}");
            await Task.Delay(200);
        }
    }

    /// <summary>A live viewer that reconnects after a 1001 as the SDK does (<see cref="FollowingViewer"/>).</summary>
    private Task<FollowingViewer> FollowerAsync(TestHost edge, long roomId, long userId) =>
        FollowingViewer.StartAsync(query => RoomClient.ConnectAsync(fixture.WebSocketUri(edge, roomId, query), userId: userId));

    /// <summary>The epoch of the last resume frame among what a client saw.</summary>
    private static long EpochOf(List<ClientEvent> seen) => seen.Last(e => e.Type == FrameType.Resume).Epoch;

    /// <summary>A live viewer; its first resume frame stays in its events, for the walk from its start.</summary>
    private async Task<RoomClient> ViewerAsync(TestHost edge, long roomId, long userId) =>
        await RoomClient.ConnectAsync(fixture.WebSocketUri(edge, roomId), userId: userId);

    /// <summary>Everything a client got up to and including the first event that matches.</summary>
    private static async Task<List<ClientEvent>> UntilAsync(RoomClient client, Func<ClientEvent, bool> last)
    {
        var seen = new List<ClientEvent>();
        try
        {
            await client.WaitForAsync(e =>
            {
                seen.Add(e);
                return last(e);
            }, Patience);
        }
        catch (Exception ex) when (ex is TimeoutException or InvalidOperationException)
        {
            throw new InvalidOperationException($"{ex.Message} Seen: {string.Join("; ", seen.Select(e => $"{e.Type} {e.Seq} {e.Content} {e.CloseStatus}"))}", ex);
        }

        return seen;
    }

    /// <summary>Publishes "<paramref name="prefix"/> 1..count", retrying while the services reconnect to Redis.</summary>
    private async Task<List<long>> PublishAsync(long roomId, string prefix, int count)
    {
        var seqs = new List<long>();
        for (var i = 1; i <= count; i++)
        {
            var deadline = DateTime.UtcNow + Patience;
            while (true)
            {
                try
                {
                    var published = await messages.PublishAsync(new PublishRequest
                    {
                        RoomId = roomId, Kind = MessageKind.System, Content = $"{prefix} {i}",
                    });
                    seqs.Add(published.Seq);
                    break;
                }
                catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.ResourceExhausted && DateTime.UtcNow < deadline)
                {
                    await Task.Delay(100);
                }
            }
        }

        return seqs;
    }

    private async Task<long> EpochAsync(long roomId)
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var epoch = await connection.GetDatabase().HashGetAsync(SeqKey(roomId), "epoch");
        Assert.False(epoch.IsNull, $"room {roomId} has no epoch");
        return (long)epoch;
    }

    /// <summary>
    /// Sets the room's seq back to <paramref name="seq"/> and its history to the entries up to it, as a replica
    /// holds them (a new stream: deleting entries would not lower the id the next XADD must exceed).
    /// </summary>
    private async Task LagRoomStateAsync(long roomId, long seq)
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var db = connection.GetDatabase();
        var history = $"room:{{{roomId}}}:msg-history";
        var kept = await db.StreamRangeAsync(history, "-", $"{seq}-0");
        await db.KeyDeleteAsync(history);
        foreach (var entry in kept)
        {
            await db.StreamAddAsync(history, entry.Values, entry.Id);
        }

        await db.HashSetAsync(SeqKey(roomId), "seq", seq);
    }

    /// <summary>
    /// Stops Redis (its data is gone: no persistence) and starts it again, then waits until both MessageServices
    /// answer on their connections to it again.
    /// </summary>
    private async Task RestartRedisAsync()
    {
        await redis.StopAsync();
        await redis.StartAgainAsync();
        var deadline = DateTime.UtcNow + Patience;
        foreach (var node in new[] { messagesA, messagesB })
        {
            // A ping on each connection: "connected" alone may still be the socket to the stopped process.
            var multiplexer = node.Services.GetRequiredService<IConnectionMultiplexer>();
            while (!await RespondsAsync(multiplexer.GetDatabase()) || !await RespondsAsync(multiplexer.GetSubscriber()))
            {
                Assert.True(DateTime.UtcNow < deadline, "a MessageService did not reconnect to the restarted Redis");
                await Task.Delay(50);
            }
        }
    }

    private static async Task<bool> RespondsAsync(IRedisAsync connection)
    {
        try
        {
            await connection.PingAsync();
            return true;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or OperationCanceledException)
        {
            // A ping still queued on the connection that just dropped is cancelled with it.
            return false;
        }
    }

    private static string SeqKey(long roomId) => $"room:{{{roomId}}}:msg-seq";
}
