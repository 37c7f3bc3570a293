using Live.Protocol;
using Live.V1;

namespace Live.Realtime.Tests;

[Collection(RealtimeCollection.Name)]
public sealed class ResumeTests(RealtimeFixture fixture)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Resuming_without_a_gap_replays_what_was_missed_then_goes_live_without_duplicates()
    {
        var room = await fixture.CreateLiveRoomAsync();
        await PublishAsync(room.Id, 1, 5);

        // A client that saw up to seq 3 comes back on the other Edge.
        await using var client = await RoomClient.ConnectAsync(fixture.WebSocketUri(fixture.EdgeB, room.Id, "last_seq=3"), userId: 61);
        var replay = await client.CollectMessagesAsync(2, Patience);
        Assert.Equal([4L, 5L], replay.Select(m => m.Seq));
        Assert.Equal(["m4", "m5"], replay.Select(m => m.Content));
        var resume = await client.WaitForAsync(e => e.Type == FrameType.Resume, Patience);
        Assert.Equal(5, resume.Seq);

        await PublishAsync(room.Id, 6, 8);
        var live = await client.CollectMessagesAsync(3, Patience);
        Assert.Equal([6L, 7L, 8L], live.Select(m => m.Seq));
        Assert.DoesNotContain(await client.DrainAsync(TimeSpan.FromMilliseconds(300)), e => e.Type == FrameType.Danmaku);
    }

    [Fact]
    public async Task Messages_published_while_a_client_replays_arrive_once_and_in_order()
    {
        var room = await fixture.CreateLiveRoomAsync();
        await PublishAsync(room.Id, 1, 30);
        await using var watcher = await RoomClient.ConnectAsync(fixture.WebSocketUri(fixture.EdgeA, room.Id), userId: 62);
        await watcher.WaitForAsync(e => e.Type == FrameType.Resume, Patience);

        var publishing = PublishAsync(room.Id, 31, 45);
        await using var resumer = await RoomClient.ConnectAsync(fixture.WebSocketUri(fixture.EdgeA, room.Id, "last_seq=10"), userId: 63);
        await publishing;

        var received = await resumer.CollectMessagesAsync(35, Patience);
        Assert.Equal(Enumerable.Range(11, 35).Select(n => (long)n), received.Select(m => m.Seq));
        Assert.DoesNotContain(await resumer.DrainAsync(TimeSpan.FromMilliseconds(300)), e => e.Type == FrameType.Danmaku);
    }

    [Fact]
    public async Task Resuming_past_the_history_says_what_is_lost_then_replays_what_is_left()
    {
        var room = await fixture.CreateLiveRoomAsync();
        var total = RealtimeFixture.HistoryLength + 20;
        await PublishAsync(room.Id, 1, total);

        await using var client = await RoomClient.ConnectAsync(fixture.WebSocketUri(fixture.EdgeA, room.Id, "last_seq=2"), userId: 64);
        var notRecovered = await client.WaitForAsync(e => e.Type == FrameType.NotRecovered, Patience);
        var firstKept = total - RealtimeFixture.HistoryLength + 1;
        Assert.Equal(firstKept - 1, notRecovered.Seq);
        Assert.Contains("no longer in the room history", notRecovered.Content);

        var replay = await client.CollectMessagesAsync(RealtimeFixture.HistoryLength, Patience);
        Assert.Equal(Enumerable.Range(firstKept, RealtimeFixture.HistoryLength).Select(n => (long)n), replay.Select(m => m.Seq));
        Assert.Equal(total, (await client.WaitForAsync(e => e.Type == FrameType.Resume, Patience)).Seq);
    }

    [Fact]
    public async Task A_last_seq_ahead_of_the_room_is_not_recovered_and_live_traffic_still_flows()
    {
        var room = await fixture.CreateLiveRoomAsync();
        await PublishAsync(room.Id, 1, 2);

        await using var client = await RoomClient.ConnectAsync(fixture.WebSocketUri(fixture.EdgeB, room.Id, "last_seq=500"), userId: 65);
        var notRecovered = await client.WaitForAsync(e => e.Type == FrameType.NotRecovered, Patience);
        Assert.Contains("ahead of the room", notRecovered.Content);
        Assert.Equal(2, (await client.WaitForAsync(e => e.Type == FrameType.Resume, Patience)).Seq);

        await PublishAsync(room.Id, 3, 3);
        Assert.Equal(3, (await client.CollectMessagesAsync(1, Patience)).Single().Seq);
    }

    [Fact]
    public async Task History_is_served_by_seq_with_bounds_checked()
    {
        var room = await fixture.CreateLiveRoomAsync();
        await PublishAsync(room.Id, 1, 12);

        var page = await fixture.MessageClient.GetHistoryAsync(new GetHistoryRequest { RoomId = room.Id, AfterSeq = 4, Limit = 5 });
        Assert.Equal([5L, 6L, 7L, 8L, 9L], page.Messages.Select(m => m.Seq));
        Assert.Equal(12, page.LatestSeq);
        Assert.Equal(1, page.FirstAvailableSeq);
        Assert.Equal("m5", page.Messages[0].Content);
        Assert.Equal(MessageKind.Danmaku, page.Messages[0].Kind);

        var error = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() =>
            fixture.MessageClient.GetHistoryAsync(new GetHistoryRequest { RoomId = room.Id, Limit = 501 }).ResponseAsync);
        Assert.Equal(Grpc.Core.StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("limit", error.Status.Detail);
    }

    private async Task PublishAsync(long roomId, int from, int to)
    {
        for (var i = from; i <= to; i++)
        {
            var published = await fixture.MessageClient.PublishAsync(new PublishRequest
            {
                RoomId = roomId, Kind = MessageKind.Danmaku, UserId = 77, UserName = "publisher", Content = "m" + i,
            });
            Assert.Equal(i, published.Seq);
        }
    }
}
