using Live.Edge.Telemetry;
using Live.Protocol;
using Live.V1;
using Microsoft.Extensions.DependencyInjection;

namespace Live.Realtime.Tests;

[Collection(RealtimeCollection.Name)]
public sealed class SlowConsumerTests(RealtimeFixture fixture)
{
    [Fact]
    public async Task A_client_that_never_reads_is_cut_off_while_the_others_keep_receiving_on_time()
    {
        var room = await fixture.CreateLiveRoomAsync();
        var metrics = fixture.EdgeA.Services.GetRequiredService<EdgeMetrics>();
        var droppedBefore = metrics.DroppedBatches;
        await using var reader1 = await RoomClient.ConnectAsync(fixture.WebSocketUri(fixture.EdgeA, room.Id), userId: 71);
        await using var reader2 = await RoomClient.ConnectAsync(fixture.WebSocketUri(fixture.EdgeA, room.Id), userId: 72);
        await using var stuck = await RoomClient.ConnectAsync(fixture.WebSocketUri(fixture.EdgeA, room.Id), userId: 73, read: false, smallReceiveBuffer: true);
        await reader1.WaitForAsync(e => e.Type == FrameType.Resume, TimeSpan.FromSeconds(20));
        await reader2.WaitForAsync(e => e.Type == FrameType.Resume, TimeSpan.FromSeconds(20));

        // The stuck client reads nothing, so no resume frame says it joined: its upgrade can be answered before the Edge
        // has registered the connection.
        var registry = fixture.EdgeA.Services.GetRequiredService<Live.Edge.Rooms.RoomRegistry>();
        var stuckConnection = registry.Connections.SingleOrDefault(c => c.Identity.UserId == 73);
        for (var i = 0; i < 200 && stuckConnection is null; i++)
        {
            await Task.Delay(100);
            stuckConnection = registry.Connections.SingleOrDefault(c => c.Identity.UserId == 73);
        }

        Assert.NotNull(stuckConnection);

        // Far more (about 800 KB) than the stuck client's kernel buffers and its 256 KiB outbox can hold.
        const int count = 3_000;
        // 180 UTF-8 bytes within the 100-character content limit.
        var content = new string('字', 60);
        var receiving = new[] { reader1.CollectMessagesAsync(count, TimeSpan.FromSeconds(60)), reader2.CollectMessagesAsync(count, TimeSpan.FromSeconds(60)) };
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
            await fixture.MessageClient.PublishAsync(new PublishRequest
            {
                RoomId = room.Id, Kind = MessageKind.Danmaku, UserId = 70, UserName = "flood", Content = content + i,
            }, cancellationToken: ct));

        foreach (var received in await Task.WhenAll(receiving))
        {
            Assert.Equal(count, received.Count);
            Assert.Equal(Enumerable.Range(1, count).Select(n => (long)n), received.Select(m => m.Seq));

            // "On time": generous, only to show the stuck reader held nobody up (speed is measured by the benchmarks).
            Assert.True(received.Max(m => m.ReceivedAtMs - m.TimestampMs) < 5_000, "a reading client fell seconds behind");
        }

        Assert.True(metrics.DroppedBatches > droppedBefore, "the stuck client's danmaku batches should have been dropped");

        // Now look at the stuck client: it was closed as a slow consumer (or its connection was dropped when
        // even the close frame could not get through), and it got far fewer messages than were sent.
        for (var i = 0; i < 50 && registry.FindConnection(stuckConnection.Id) is not null; i++)
        {
            await Task.Delay(100);
        }

        Assert.True(registry.FindConnection(stuckConnection.Id) is null, $"still open: code {stuckConnection.CloseCode}, queued {stuckConnection.QueuedBytes}");
        stuck.StartReading();
        var events = await stuck.DrainAsync(TimeSpan.FromSeconds(10));
        var close = Assert.Single(events, e => e.IsClose);
        Assert.True(close.CloseStatus is CloseCodes.SlowConsumer or 1006, $"closed with {close.CloseStatus}");
        Assert.True(events.Count(e => e.Type == FrameType.Danmaku) < count);
    }
}
