using Live.MessageService.Ingest;
using Live.Protocol;
using Live.Testing;
using Live.V1;
using Microsoft.Extensions.DependencyInjection;

namespace Live.Realtime.Tests;

[Collection(RealtimeCollection.Name)]
public sealed class KafkaOutageTests(RealtimeFixture fixture)
{
    [Fact]
    public async Task Messages_are_delivered_while_kafka_is_unreachable_and_the_unsent_records_are_kept_and_counted()
    {
        var room = await fixture.CreateLiveRoomAsync();
        await using var viewer = await RoomClient.ConnectAsync(fixture.WebSocketUri(fixture.EdgeA, room.Id), userId: 91);
        await viewer.WaitForAsync(e => e.Type == FrameType.Resume, TimeSpan.FromSeconds(20));

        // A third MessageService whose Kafka is a port where nothing listens; its logs are expected to complain.
        await using var cutOff = await fixture.StartMessageServiceAsync(kafka: "127.0.0.1:" + TestEnvironment.FreeTcpPort());
        var client = new MessageServiceClient(cutOff.Channel);
        for (var i = 1; i <= 5; i++)
        {
            var published = await client.PublishAsync(new PublishRequest { RoomId = room.Id, Kind = MessageKind.Danmaku, UserId = 9, UserName = "n", Content = "during outage " + i },
                deadline: DateTime.UtcNow.AddSeconds(5));
            Assert.Equal(i, published.Seq);
        }

        var received = await viewer.CollectMessagesAsync(5, TimeSpan.FromSeconds(20));
        Assert.Equal([1L, 2L, 3L, 4L, 5L], received.Select(m => m.Seq));
        Assert.Equal(5, cutOff.Services.GetRequiredService<KafkaMessageSink>().Pending);
    }
}
