using System.Globalization;
using Live.Protocol;
using Live.Testing;

namespace Live.Realtime.Tests.Inbox;

/// <summary>
/// Messages to one user (docs/inbox.md, Delivery) on real Edges, MessageServices, Redis and broker: every connection
/// of the user gets each message, in seq order, once; unacked ones come again on the next connection, acked ones never.
/// </summary>
public sealed class InboxDeliveryTests(InboxDeliveryFixture fixture) : IClassFixture<InboxDeliveryFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task A_message_reaches_every_connection_of_the_user_on_two_Edges_and_in_two_rooms()
    {
        var user = InboxDeliveryFixture.NewUserId();
        var roomOne = await fixture.CreateLiveRoomAsync();
        var roomTwo = await fixture.CreateLiveRoomAsync();
        await using var onA = await ConnectLiveAsync(fixture.EdgeA, roomOne.Id, user);
        await using var onAOtherRoom = await ConnectLiveAsync(fixture.EdgeA, roomTwo.Id, user);
        await using var onB = await ConnectLiveAsync(fixture.EdgeB, roomOne.Id, user);
        await using var someoneElse = await ConnectLiveAsync(fixture.EdgeB, roomOne.Id, InboxDeliveryFixture.NewUserId());

        var sent = await SendAndReceiveAsync(user, "your gift was refunded", onA);

        foreach (var connection in new[] { onAOtherRoom, onB })
        {
            var got = await connection.WaitForAsync(e => e.Type == FrameType.UserMessage, Patience);
            Assert.Equal((sent.Seq, "your gift was refunded"), (got.Seq, got.Content));
        }

        Assert.DoesNotContain(await someoneElse.DrainAsync(TimeSpan.FromSeconds(1)), e => e.Type == FrameType.UserMessage);
    }

    [Fact]
    public async Task An_unacked_message_comes_again_on_reconnect_in_order_and_never_again_once_acked()
    {
        var user = InboxDeliveryFixture.NewUserId();
        var room = await fixture.CreateLiveRoomAsync();
        await using (var first = await ConnectLiveAsync(fixture.EdgeA, room.Id, user))
        {
            await SendAndReceiveAsync(user, "one", first);
            await fixture.Inbox.SendAsync(user, "two");
            await first.WaitForAsync(e => e.Type == FrameType.UserMessage && e.Seq == 2, Patience);
        }

        // Offline now: stored only.
        await fixture.Inbox.SendAsync(user, "three");

        await using (var second = await ConnectLiveAsync(fixture.EdgeB, room.Id, user))
        {
            var again = await second.CollectAsync(e => e.Type == FrameType.UserMessage, 3, Patience);
            Assert.Equal(["one", "two", "three"], again.Select(e => e.Content));
            Assert.Equal([1L, 2L, 3L], again.Select(e => e.Seq));

            await second.SendBinaryAsync(FrameWriter.EncodeAck(2));
            await WaitUntilAsync(async () => await fixture.Inbox.ReadSeqOfAsync(user) == 2, "the ack of seq 2 did not reach MarkRead");
        }

        await using var third = await ConnectLiveAsync(fixture.EdgeA, room.Id, user);
        await fixture.Inbox.SendAsync(user, "four");
        var rest = await third.CollectAsync(e => e.Type == FrameType.UserMessage, 2, Patience);
        Assert.Equal([3L, 4L], rest.Select(e => e.Seq));
        Assert.DoesNotContain(await third.DrainAsync(TimeSpan.FromSeconds(1)), e => e.Type == FrameType.UserMessage);
    }

    [Fact]
    public async Task A_guest_gets_no_user_messages_and_cannot_ack()
    {
        var room = await fixture.CreateLiveRoomAsync();
        await using var guest = await RoomClient.ConnectAsync(InboxDeliveryFixture.WebSocketUri(fixture.EdgeA, room.Id));
        await guest.WaitForAsync(e => e.Type == FrameType.Resume, Patience);

        await guest.SendTextAsync("""{"type":"ack","seq":1}""");

        var refusal = await guest.WaitForAsync(e => e.Type == FrameType.Error, Patience);
        Assert.Equal((long)ErrorCode.NotAllowed, refusal.Seq);
        Assert.DoesNotContain(await guest.DrainAsync(TimeSpan.FromSeconds(1)), e => e.Type == FrameType.UserMessage);
    }

    [Fact]
    public async Task An_Edge_whose_relay_stream_broke_announces_its_users_again_and_delivers_each_message_once_in_order()
    {
        // A MessageService whose queue toward an Edge holds 16 items: forty-eight rooms on the user's stream, a guest in
        // each and one message to each at once put more batches in it than that, and it cuts the stream (as for any
        // Edge that falls a queue behind) while the user's messages are being stored; the Edge reconnects and
        // re-announces the user.
        await using var messages = await fixture.Cluster.StartMessageServiceAsync(overrides: new Dictionary<string, string?> { ["Messages:EdgeQueueCapacity"] = "16" });
        await using var edge = await fixture.Cluster.StartEdgeAsync(messages, new Dictionary<string, string?> { ["Inbox:MaxUnackedPerConnection"] = "1000" });
        var user = InboxDeliveryFixture.NewUserId();
        var room = await RoomOnTheOtherStreamAsync(user);
        await using var viewer = await ConnectLiveAsync(edge, room.Id, user);
        await SendAndReceiveAsync(user, "0", viewer);
        var crowded = new List<Live.V1.Room>();
        var guests = new List<RoomClient>();
        while (crowded.Count < 48)
        {
            var other = await fixture.CreateLiveRoomAsync();
            if (other.Id % 2 == user % 2)
            {
                crowded.Add(other);
                guests.Add(await ConnectLiveAsync(edge, other.Id, user: 0));
            }
        }

        const int Burst = 100;
        var storing = fixture.Inbox.SendBurstAsync(user, Enumerable.Range(1, Burst).Select(i => i.ToString(CultureInfo.InvariantCulture)));
        var publisher = new Live.V1.MessageService.MessageServiceClient(messages.Channel);
        await Task.WhenAll(crowded.Select(r => publisher.PublishAsync(new Live.V1.PublishRequest { RoomId = r.Id, Kind = Live.V1.MessageKind.System, Content = "flood" }).ResponseAsync));
        await storing;

        var got = await viewer.CollectAsync(e => e.Type == FrameType.UserMessage, Burst, TimeSpan.FromSeconds(30));
        Assert.Equal(Enumerable.Range(2, Burst).Select(i => (long)i), got.Select(e => e.Seq));
        Assert.Contains(messages.Logs.Entries, e => e.EventId.Id == 7002); // the stream did overflow and was cut

        // After the break the route is back: a later message arrives live, once.
        await fixture.Inbox.SendAsync(user, "after");
        var after = await viewer.WaitForAsync(e => e.Type == FrameType.UserMessage, Patience);
        Assert.Equal((Burst + 2L, "after"), (after.Seq, after.Content));
        Assert.DoesNotContain(await viewer.DrainAsync(TimeSpan.FromSeconds(1)), e => e.Type == FrameType.UserMessage);
        foreach (var guest in guests)
        {
            await guest.DisposeAsync();
        }
    }

    /// <summary>A room carried by the other relay stream than the user (2 streams: by id parity), so the room's clients are not closed when the user's stream breaks.</summary>
    private async Task<Live.V1.Room> RoomOnTheOtherStreamAsync(long user)
    {
        while (true)
        {
            var room = await fixture.CreateLiveRoomAsync();
            if (room.Id % 2 != user % 2)
            {
                return room;
            }
        }
    }

    /// <param name="user">0 for a guest.</param>
    private static async Task<RoomClient> ConnectLiveAsync(TestHost edge, long roomId, long user)
    {
        var client = user == 0
            ? await RoomClient.ConnectAsync(InboxDeliveryFixture.WebSocketUri(edge, roomId))
            : await RoomClient.ConnectAsync(InboxDeliveryFixture.WebSocketUri(edge, roomId), userId: user);
        await client.WaitForAsync(e => e.Type == FrameType.Resume, Patience);
        return client;
    }

    /// <summary>
    /// Sends a message and waits until <paramref name="connection"/> has it: live when the user's route is up, from
    /// the store when the connection's start had not listed yet. After this the connection is started and routed.
    /// </summary>
    private async Task<Live.V1.InboxMessage> SendAndReceiveAsync(long user, string content, RoomClient connection)
    {
        var sent = await fixture.Inbox.SendAsync(user, content);
        var got = await connection.WaitForAsync(e => e.Type == FrameType.UserMessage, Patience);
        Assert.Equal((sent.Seq, content), (got.Seq, got.Content));
        return sent;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string failure)
    {
        for (var i = 0; i < 100 && !await condition(); i++)
        {
            await Task.Delay(50);
        }

        Assert.True(await condition(), failure);
    }
}
