using System.Buffers.Binary;
using System.Net;
using System.Net.WebSockets;
using Live.Edge.Rooms;
using Live.Protocol;
using Microsoft.Extensions.DependencyInjection;

namespace Live.Realtime.Tests;

[Collection(RealtimeCollection.Name)]
public sealed class InboundLimitsTests(RealtimeFixture fixture)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task An_oversized_frame_is_closed_with_1009()
    {
        var room = await fixture.CreateLiveRoomAsync();
        await using var client = await RoomClient.ConnectAsync(fixture.WebSocketUri(fixture.EdgeA, room.Id), userId: 81);
        await client.WaitForAsync(e => e.Type == FrameType.Resume, Patience);

        await client.SendBinaryAsync(new byte[RealtimeFixture.MaxInboundFrameBytes + 1]);

        var close = await client.WaitForAsync(e => e.IsClose, Patience);
        Assert.Equal((int)WebSocketCloseStatus.MessageTooBig, close.CloseStatus);
    }

    [Fact]
    public async Task A_frame_of_exactly_the_maximum_size_is_read_and_answered_not_closed()
    {
        var room = await fixture.CreateLiveRoomAsync();
        await using var client = await RoomClient.ConnectAsync(fixture.WebSocketUri(fixture.EdgeA, room.Id), userId: 82);
        await client.WaitForAsync(e => e.Type == FrameType.Resume, Patience);

        await client.SendDanmakuAsync(new string('a', RealtimeFixture.MaxInboundFrameBytes - FrameLayout.MinMessageSize - 7));

        var error = await client.WaitForAsync(e => e.Type == FrameType.Error || e.IsClose, Patience);
        Assert.Equal((long)ErrorCode.TooLong, error.Seq);
        Assert.Equal("too_long", error.Reason);
        Assert.Contains("longer than 100", error.Content);
    }

    [Fact]
    public async Task Random_malformed_frames_get_error_frames_or_closes_and_the_edge_keeps_serving()
    {
        var room = await fixture.CreateLiveRoomAsync();
        await using var watcher = await RoomClient.ConnectAsync(fixture.WebSocketUri(fixture.EdgeB, room.Id), userId: 83);
        await watcher.WaitForAsync(e => e.Type == FrameType.Resume, Patience);
        var random = new Random(4);
        var valid = FrameWriter.EncodeMessage(FrameType.Danmaku, 0, 0, 0, 0, "n", "hello", "#ffffff");
        var errors = 0;
        var closes = 0;

        for (var round = 0; round < 12; round++)
        {
            await using var attacker = await RoomClient.ConnectAsync(fixture.WebSocketUri(fixture.EdgeB, room.Id), userId: 900 + round);
            await attacker.WaitForAsync(e => e.Type == FrameType.Resume, Patience);
            for (var i = 0; i < RealtimeFixture.MaxInvalidFrames + 1; i++)
            {
                await attacker.SendBinaryAsync(Malformed(valid, random, i + round));
            }

            var events = await attacker.DrainAsync(TimeSpan.FromMilliseconds(500));
            var received = events.Where(e => e.Type == FrameType.Error).ToList();
            Assert.All(received, e => Assert.Equal((long)ErrorCode.MalformedFrame, e.Seq));
            errors += received.Count;
            var close = Assert.Single(events, e => e.IsClose);
            Assert.Equal(CloseCodes.TooManyInvalidFrames, close.CloseStatus);
            closes++;
        }

        Assert.Equal(12 * (RealtimeFixture.MaxInvalidFrames + 1), errors);
        Assert.Equal(12, closes);
        Assert.DoesNotContain(await watcher.DrainAsync(TimeSpan.FromMilliseconds(200)), e => e.Type == FrameType.Danmaku || e.IsClose);

        // The Edge still serves: a good message goes through to the watcher.
        await using var sender = await RoomClient.ConnectAsync(fixture.WebSocketUri(fixture.EdgeB, room.Id), userId: 84);
        await sender.WaitForAsync(e => e.Type == FrameType.Resume, Patience);
        await sender.SendBinaryAsync(valid);
        Assert.Equal("hello", (await watcher.CollectMessagesAsync(1, Patience)).Single().Content);
    }

    [Fact]
    public async Task Too_many_frames_per_second_get_an_error_frame_then_close_4029()
    {
        var room = await fixture.CreateLiveRoomAsync();
        await using var client = await RoomClient.ConnectAsync(fixture.WebSocketUri(fixture.EdgeA, room.Id), userId: 85);
        await client.WaitForAsync(e => e.Type == FrameType.Resume, Patience);
        var heartbeat = FrameWriter.EncodeControl(FrameType.Heartbeat, 0, 0, 0);

        try
        {
            for (var i = 0; i < RealtimeFixture.MaxFramesPerSecond * 2; i++)
            {
                await client.SendBinaryAsync(heartbeat);
            }
        }
        catch (WebSocketException)
        {
            // The server may already have closed.
        }

        var error = await client.WaitForAsync(e => e.Type == FrameType.Error, Patience);
        Assert.Equal((long)ErrorCode.RateLimited, error.Seq);
        var close = await client.WaitForAsync(e => e.IsClose, Patience);
        Assert.Equal(CloseCodes.TooManyFrames, close.CloseStatus);
    }

    [Fact]
    public async Task Guests_watch_but_cannot_send_and_clients_cannot_send_gifts()
    {
        var room = await fixture.CreateLiveRoomAsync();
        await using var guest = await RoomClient.ConnectAsync(fixture.WebSocketUri(fixture.EdgeA, room.Id));
        await guest.WaitForAsync(e => e.Type == FrameType.Resume, Patience);
        await guest.SendDanmakuAsync("hi");
        var error = await guest.WaitForAsync(e => e.Type == FrameType.Error, Patience);
        Assert.Equal((long)ErrorCode.NotAllowed, error.Seq);

        await using var user = await RoomClient.ConnectAsync(fixture.WebSocketUri(fixture.EdgeA, room.Id), userId: 86);
        await user.WaitForAsync(e => e.Type == FrameType.Resume, Patience);
        await user.SendBinaryAsync(FrameWriter.EncodeMessage(FrameType.Gift, 0, 0, 0, 0, null, "free rocket", null));
        error = await user.WaitForAsync(e => e.Type == FrameType.Error, Patience);
        Assert.Equal((long)ErrorCode.UnsupportedFrame, error.Seq);

        await user.SendTextAsync("""{"type":"danmaku","content":"json works","color":"mauve"}""");
        error = await user.WaitForAsync(e => e.Type == FrameType.Error, Patience);
        Assert.Equal((long)ErrorCode.BadColour, error.Seq);
        Assert.Contains("'mauve' is not allowed", error.Content);

        await user.SendTextAsync("""{"type":"danmaku","content":"json works"}""");
        Assert.Equal("json works", (await guest.CollectMessagesAsync(1, Patience)).Single().Content);
    }

    [Fact]
    public async Task Bad_requests_are_refused_before_the_upgrade()
    {
        var room = await fixture.CreateLiveRoomAsync();
        var idle = await fixture.RoomClient.CreateRoomAsync(new Live.V1.CreateRoomRequest { AnchorUserId = 1, Title = "idle", Category = "chat" });

        Assert.Equal(HttpStatusCode.BadRequest, await UpgradeStatusAsync(fixture.WebSocketUri(fixture.EdgeA, 0)));
        Assert.Equal(HttpStatusCode.BadRequest, await UpgradeStatusAsync(fixture.WebSocketUri(fixture.EdgeA, room.Id, "last_seq=-1")));
        Assert.Equal(HttpStatusCode.BadRequest, await UpgradeStatusAsync(fixture.WebSocketUri(fixture.EdgeA, room.Id, "format=xml")));
        Assert.Equal(HttpStatusCode.NotFound, await UpgradeStatusAsync(fixture.WebSocketUri(fixture.EdgeA, 999_999_999_999)));
        Assert.Equal(HttpStatusCode.Conflict, await UpgradeStatusAsync(fixture.WebSocketUri(fixture.EdgeA, idle.Id)));

        // Identity headers a client made up (no proof from the Proxy) are refused, not downgraded to a guest.
        Assert.Equal(HttpStatusCode.Unauthorized, await UpgradeStatusAsync(fixture.WebSocketUri(fixture.EdgeA, room.Id), ("x-user-id", "1")));
        Assert.Equal(0, fixture.EdgeA.Services.GetRequiredService<RoomRegistry>().Connections.Count(c => c.RoomId == idle.Id));
    }

    private static async Task<HttpStatusCode> UpgradeStatusAsync(Uri uri, params (string Name, string Value)[] headers)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        foreach (var (name, value) in headers)
        {
            socket.Options.SetRequestHeader(name, value);
        }

        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(uri, CancellationToken.None));
        return socket.HttpStatusCode;
    }

    /// <summary>Truncated, bad magic, bad lengths, invalid UTF-8, bad flags, trailing bytes, noise.</summary>
    private static byte[] Malformed(byte[] valid, Random random, int kind)
    {
        var bytes = valid.ToArray();
        switch (kind % 8)
        {
            case 0:
                return bytes[..random.Next(0, bytes.Length - 1)];
            case 1:
                bytes[random.Next(0, 2)] ^= 0xFF;
                return bytes;
            case 2:
                BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(FrameLayout.HeaderSize + 3), (ushort)random.Next(100, 65_535));
                return bytes;
            case 3:
                bytes[FrameLayout.HeaderSize + 6] = 0xC3;
                bytes[FrameLayout.HeaderSize + 7] = 0x28;
                return bytes;
            case 4:
                bytes[FrameLayout.FlagsOffset] = (byte)random.Next(1, 256);
                return bytes;
            case 5:
                return [.. bytes, .. new byte[random.Next(1, 20)]];
            case 6:
                bytes[FrameLayout.TypeOffset] = (byte)random.Next(0x0D, 256);
                return bytes;
            default:
                var noise = new byte[random.Next(0, 300)];
                random.NextBytes(noise);
                return noise;
        }
    }
}
