using System.Globalization;
using Live.Protocol;
using Live.Testing;
using Live.V1;

namespace Live.Realtime.Tests;

[Collection(RealtimeCollection.Name)]
public sealed class FanoutTests(RealtimeFixture fixture)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Clients_on_both_edges_get_every_message_once_in_seq_order_and_another_room_gets_none()
    {
        var room = await fixture.CreateLiveRoomAsync();
        var otherRoom = await fixture.CreateLiveRoomAsync();
        var viewers = new List<RoomClient>();
        for (var i = 0; i < 3; i++)
        {
            viewers.Add(await RoomClient.ConnectAsync(fixture.WebSocketUri(fixture.EdgeA, room.Id), userId: 100 + i));
            viewers.Add(await RoomClient.ConnectAsync(fixture.WebSocketUri(fixture.EdgeB, room.Id), userId: 200 + i));
        }

        viewers.Add(await RoomClient.ConnectAsync(fixture.WebSocketUri(fixture.EdgeA, room.Id)));
        await using var elsewhereA = await RoomClient.ConnectAsync(fixture.WebSocketUri(fixture.EdgeA, otherRoom.Id), userId: 300);
        await using var elsewhereB = await RoomClient.ConnectAsync(fixture.WebSocketUri(fixture.EdgeB, otherRoom.Id));
        foreach (var client in viewers.Append(elsewhereA).Append(elsewhereB))
        {
            await client.WaitForAsync(e => e.Type == FrameType.Resume, Patience);
        }

        // Senders on both Edges, interleaved, so messages enter through both MessageServices.
        const int perSender = 40;
        var expected = new HashSet<string>();
        for (var i = 0; i < perSender; i++)
        {
            foreach (var sender in new[] { viewers[0], viewers[1] })
            {
                var content = $"{(sender == viewers[0] ? "a" : "b")}-{i}";
                expected.Add(content);
                await sender.SendDanmakuAsync(content);
            }

            await Task.Delay(5);
        }

        foreach (var viewer in viewers)
        {
            var received = await viewer.CollectMessagesAsync(expected.Count, Patience);
            Assert.Equal(expected.Count, received.Count);
            Assert.Equal(expected.Order(), received.Select(m => m.Content).Order());
            var seqs = received.Select(m => m.Seq).ToList();
            Assert.Equal(seqs.Order(), seqs);
            Assert.Equal(Enumerable.Range(1, expected.Count).Select(n => (long)n), seqs);
            Assert.All(received, m => Assert.Equal(FrameType.Danmaku, m.Type));
            Assert.All(received, m => Assert.True(m.UserId is 100 or 200));
            Assert.All(received, m => Assert.Equal(m.UserId == 100 ? "user100" : "user200", m.UserName));
        }

        // Nothing more arrives (no duplicates late), and the other room saw none of it.
        foreach (var viewer in viewers)
        {
            Assert.DoesNotContain(await viewer.DrainAsync(TimeSpan.FromMilliseconds(300)), e => e.Type == FrameType.Danmaku);
        }

        Assert.DoesNotContain(await elsewhereA.DrainAsync(TimeSpan.FromMilliseconds(200)), e => e.Type == FrameType.Danmaku);
        Assert.DoesNotContain(await elsewhereB.DrainAsync(TimeSpan.FromMilliseconds(200)), e => e.Type == FrameType.Danmaku);

        // Each accepted message has its Kafka record, keyed by the room.
        var key = room.Id.ToString(CultureInfo.InvariantCulture);
        var records = await KafkaTopicReader.ReadAsync("live-messages", r => r.Message.Key == key, expected.Count, TimeSpan.FromSeconds(30));
        var recorded = records.Select(r => RoomMessage.Parser.ParseFrom(r.Message.Value)).ToList();
        Assert.Equal(expected.Order(), recorded.Select(m => m.Content).Order());
        Assert.Equal(Enumerable.Range(1, expected.Count).Select(n => (long)n), recorded.Select(m => m.Seq).Order());
        Assert.All(recorded, m => Assert.Equal(room.Id, m.RoomId));
        // These clients sent no trace context, so their messages are in no trace and their records carry none
        // (tests/Operations.Tests follows a traced send into the record's headers and on to StatsService).
        Assert.All(records, r => Assert.False(r.Message.Headers.TryGetLastBytes("traceparent", out _)));

        foreach (var viewer in viewers)
        {
            await viewer.DisposeAsync();
        }
    }

    [Fact]
    public async Task Gifts_and_system_messages_from_publish_reach_json_and_compressed_clients()
    {
        var room = await fixture.CreateLiveRoomAsync();
        await using var jsonClient = await RoomClient.ConnectAsync(fixture.WebSocketUri(fixture.EdgeA, room.Id, "format=json"), userId: 5);
        await using var zstdClient = await RoomClient.ConnectAsync(fixture.WebSocketUri(fixture.EdgeB, room.Id, "compress=zstd"));
        await jsonClient.WaitForAsync(e => e.Type == FrameType.Resume, Patience);
        await zstdClient.WaitForAsync(e => e.Type == FrameType.Resume, Patience);

        var gift = await fixture.MessageClient.PublishAsync(new PublishRequest { RoomId = room.Id, Kind = MessageKind.Gift, UserId = 9, UserName = "大方", Content = "rocket x1", Color = "#FFD302" });
        var system = await fixture.MessageClient.PublishAsync(new PublishRequest { RoomId = room.Id, Kind = MessageKind.System, Content = "Welcome!" });

        // A burst large enough to cross the compression threshold in one batch.
        var tasks = Enumerable.Range(0, 60).Select(i => fixture.MessageClient.PublishAsync(new PublishRequest
        {
            RoomId = room.Id, Kind = MessageKind.Danmaku, UserId = 10, UserName = "burst", Content = "the same burst text again " + i,
        }).ResponseAsync);
        await Task.WhenAll(tasks);

        foreach (var client in new[] { jsonClient, zstdClient })
        {
            var received = await client.CollectMessagesAsync(62, Patience);
            Assert.Equal(62, received.Count);
            Assert.Contains(received, m => m.Type == FrameType.Gift && m.Seq == gift.Seq && m.UserName == "大方" && m.Content == "rocket x1");
            Assert.Contains(received, m => m.Type == FrameType.System && m.Seq == system.Seq && m.Content == "Welcome!");
            Assert.Equal(received.Select(m => m.Seq).Order(), received.Select(m => m.Seq));
        }

        Assert.True(zstdClient.BatchesCompressed > 0, "the burst should have arrived as a zstd batch");
    }

    [Fact]
    public async Task Viewers_get_the_online_count_of_signed_in_users()
    {
        var room = await fixture.CreateLiveRoomAsync();
        await using var first = await RoomClient.ConnectAsync(fixture.WebSocketUri(fixture.EdgeA, room.Id), userId: 41);
        await using var second = await RoomClient.ConnectAsync(fixture.WebSocketUri(fixture.EdgeB, room.Id), userId: 42);
        await using var guest = await RoomClient.ConnectAsync(fixture.WebSocketUri(fixture.EdgeB, room.Id));

        var count = await first.WaitForAsync(e => e.Type == FrameType.OnlineCount && e.Seq == 2, Patience);
        Assert.Equal(2, count.Seq);
        await guest.WaitForAsync(e => e.Type == FrameType.OnlineCount && e.Seq == 2, Patience);
    }

    [Fact]
    public async Task A_deleted_message_goes_to_live_messages_as_a_delete_record_with_its_sender_and_time()
    {
        var room = await fixture.CreateLiveRoomAsync();
        var published = await fixture.MessageClient.PublishAsync(new PublishRequest
        {
            RoomId = room.Id, Kind = MessageKind.Danmaku, UserId = 702, UserName = "regret", Content = "take it back",
        });
        var admin = new ModerationAdmin.ModerationAdminClient(fixture.MessagesB.Channel);
        await admin.DeleteMessageAsync(new DeleteMessageRequest { RoomId = room.Id, Seq = published.Seq });

        var records = await KafkaTopicReader.ReadAsync("live-messages", r =>
        {
            var message = RoomMessage.Parser.ParseFrom(r.Message.Value);
            return message.RoomId == room.Id && message.Kind == MessageKind.Delete;
        }, 1, Patience);
        var delete = RoomMessage.Parser.ParseFrom(Assert.Single(records).Message.Value);
        Assert.Equal(published.Seq, delete.Seq);
        Assert.Equal(702, delete.UserId);
        Assert.Equal(published.TimestampMs, delete.TimestampMs);
        Assert.Equal(string.Empty, delete.Content);
    }

    [Fact]
    public async Task A_message_deleted_while_it_waits_in_its_batch_reaches_clients_before_its_delete()
    {
        // A node with a long batch window, so the delete certainly arrives while the message is still pending.
        await using var slowNode = await fixture.StartMessageServiceAsync(overrides: new Dictionary<string, string?> { ["Messages:BatchWindowMs"] = "1000" });
        await using var slowEdge = await fixture.StartEdgeAsync(slowNode);
        var room = await fixture.CreateLiveRoomAsync();
        await using var viewer = await RoomClient.ConnectAsync(fixture.WebSocketUri(slowEdge, room.Id), userId: 700);
        await viewer.WaitForAsync(e => e.Type == FrameType.Resume, Patience);

        var published = await fixture.MessageClient.PublishAsync(new PublishRequest
        {
            RoomId = room.Id, Kind = MessageKind.Danmaku, UserId = 701, UserName = "quick", Content = "gone in a moment",
        });
        var admin = new ModerationAdminClient(fixture.MessagesB.Channel);
        await admin.DeleteMessageAsync(new DeleteMessageRequest { RoomId = room.Id, Seq = published.Seq });

        var first = await viewer.WaitForAsync(e => e.Seq == published.Seq && e.Type is FrameType.Danmaku or FrameType.Delete, Patience);
        Assert.Equal(FrameType.Danmaku, first.Type);
        Assert.Equal(published.Seq, (await viewer.WaitForAsync(e => e.Type == FrameType.Delete, Patience)).Seq);
        slowNode.Logs.AssertNoErrors();
        slowEdge.Logs.AssertNoErrors();
    }
}
