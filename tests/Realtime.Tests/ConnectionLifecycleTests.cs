using Live.Protocol;
using Live.V1;

namespace Live.Realtime.Tests;

[Collection(RealtimeCollection.Name)]
public sealed class ConnectionLifecycleTests(RealtimeFixture fixture)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Losing_the_message_service_closes_clients_with_1001_and_they_resume_elsewhere_without_loss()
    {
        var room = await fixture.CreateLiveRoomAsync();
        var messages = await fixture.StartMessageServiceAsync();
        await using var edge = await fixture.StartEdgeAsync(messages);
        var client = await RoomClient.ConnectAsync(fixture.WebSocketUri(edge, room.Id), userId: 95);
        await client.WaitForAsync(e => e.Type == FrameType.Resume, Patience);
        await PublishAsync(room.Id, 1, 3);
        var before = await client.CollectMessagesAsync(3, Patience);
        Assert.Equal([1L, 2L, 3L], before.Select(m => m.Seq));

        await messages.DisposeAsync();
        var close = await client.WaitForAsync(e => e.IsClose, Patience);
        Assert.Equal(CloseCodes.GoingAway, close.CloseStatus);
        await client.DisposeAsync();

        // Messages keep being accepted elsewhere while the client is away; it comes back on another Edge.
        await PublishAsync(room.Id, 4, 6);
        await using var back = await RoomClient.ConnectAsync(fixture.WebSocketUri(fixture.EdgeB, room.Id, "last_seq=3"), userId: 95);
        Assert.Equal([4L, 5L, 6L], (await back.CollectMessagesAsync(3, Patience)).Select(m => m.Seq));
        Assert.Equal(6, (await back.WaitForAsync(e => e.Type == FrameType.Resume, Patience)).Seq);
    }

    [Fact]
    public async Task A_silent_client_gets_heartbeats_and_is_closed_at_the_idle_timeout_while_a_talking_one_stays()
    {
        var room = await fixture.CreateLiveRoomAsync();
        await using var edge = await fixture.StartEdgeAsync(fixture.MessagesA, new Dictionary<string, string?>
        {
            ["Edge:HeartbeatIntervalMs"] = "200",
            ["Edge:IdleTimeoutMs"] = "1500",
        });
        await using var silent = await RoomClient.ConnectAsync(fixture.WebSocketUri(edge, room.Id), userId: 96);
        await using var talking = await RoomClient.ConnectAsync(fixture.WebSocketUri(edge, room.Id), userId: 97);
        var keepAlive = Task.Run(async () =>
        {
            for (var i = 0; i < 12; i++)
            {
                await talking.SendBinaryAsync(FrameWriter.EncodeControl(FrameType.Heartbeat, 0, 0, 0));
                await Task.Delay(250);
            }
        });

        await silent.WaitForAsync(e => e.Type == FrameType.Heartbeat, Patience);
        var close = await silent.WaitForAsync(e => e.IsClose, Patience);
        Assert.Equal(CloseCodes.IdleTimeout, close.CloseStatus);

        await keepAlive;
        var closes = (await talking.DrainAsync(TimeSpan.FromMilliseconds(200))).Where(e => e.IsClose).ToList();
        Assert.True(closes.Count == 0, $"the talking client was closed ({closes.FirstOrDefault()?.CloseStatus} {closes.FirstOrDefault()?.Content}); edge log: {string.Join(" | ", edge.Logs.Entries)}");
    }

    private async Task PublishAsync(long roomId, int from, int to)
    {
        for (var i = from; i <= to; i++)
        {
            var published = await fixture.MessageClient.PublishAsync(new PublishRequest { RoomId = roomId, Kind = MessageKind.Danmaku, UserId = 9, UserName = "p", Content = "c" + i });
            Assert.Equal(i, published.Seq);
        }
    }
}
