using System.Net.WebSockets;
using System.Text;
using Google.Protobuf;
using Live.Edge;
using Live.Edge.Connections;
using Live.Edge.Identity;
using Live.Edge.Telemetry;
using Live.Protocol;
using Live.V1;
using Microsoft.Extensions.Options;

namespace Live.Realtime.Unit.Tests;

/// <summary>What a client sends, through EdgeConnection's receive loop, with the client played by a scripted socket.</summary>
public sealed class InboundGateTests : IDisposable
{
    private readonly TestMeterFactory meters = new();
    private readonly EdgeMetrics metrics;
    private readonly ScriptedSocket socket = new();
    private readonly RecordingUplink uplink = new();
    private readonly EdgeOptions options = new() { MaxFramesPerSecond = 5, MaxInvalidFrames = 2 };

    public InboundGateTests() => metrics = new EdgeMetrics(meters, Options.Create(options));

    [Fact]
    public async Task A_viewers_danmaku_goes_up_the_relay_with_the_connections_identity_in_either_form()
    {
        var connection = Connect(new ConnectionIdentity(42, "amy", 3, ByteString.CopyFrom(127, 0, 0, 1)));

        socket.ClientSends(FrameWriter.EncodeMessage(FrameType.Danmaku, 0, 999, 12345, 0, "not me", "hello", "#FFFFFF"));
        socket.ClientSends(FrameWriter.EncodeMessage(FrameType.Heartbeat, 0, 0, 0, 0, null, null, null));
        socket.ClientSends("""{"type":"danmaku","content":"你好"}"""u8.ToArray(), WebSocketMessageType.Text);
        await EndAsync(connection);

        Assert.Equal(2, uplink.Sent.Count);
        var (roomId, up) = uplink.Sent[0];
        Assert.Equal(TestFrames.RoomId, roomId);
        Assert.Equal(
            new ClientMessage
            {
                ConnectionId = connection.Id, RoomId = TestFrames.RoomId, UserId = 42, UserName = "amy", Kind = MessageKind.Danmaku,
                Content = "hello", Color = "#FFFFFF", UserLevel = 3, ClientIp = ByteString.CopyFrom(127, 0, 0, 1),
            },
            up.Message);
        Assert.Equal("你好", uplink.Sent[1].Up.Message.Content);
        Assert.Empty(socket.Sent);
        Assert.Equal(CloseCodes.Normal, connection.CloseCode);
    }

    [Fact]
    public async Task A_guest_a_full_relay_and_a_lost_relay_each_get_their_error_frame()
    {
        var guest = Connect(new ConnectionIdentity(-5, "guest5", 0, ByteString.Empty));
        socket.ClientSends(Danmaku("hi"));
        await EndAsync(guest);
        Assert.Empty(uplink.Sent);
        Assert.Equal([ErrorCode.NotAllowed], ErrorCodes());

        foreach (var (answer, expected) in new[] { (RelaySendResult.Full, ErrorCode.Overloaded), (RelaySendResult.Disconnected, ErrorCode.Unavailable) })
        {
            var viewerSocket = new ScriptedSocket();
            uplink.Answer = answer;
            var viewer = new EdgeConnection(viewerSocket, () => { }, new ConnectionIdentity(8, "bo", 0, ByteString.Empty), TestFrames.RoomId,
                ClientFormat.Binary, options, metrics, uplink);
            var receiving = viewer.ReceiveLoopAsync();
            viewerSocket.ClientSends(Danmaku("hi"));
            viewerSocket.ClientCloses();
            await receiving;
            Assert.Equal(expected, (ErrorCode)TestFrames.Header(Assert.Single(viewerSocket.Sent)).Seq);
        }
    }

    [Fact]
    public async Task A_client_that_sends_a_gift_frame_is_told_it_may_not()
    {
        var connection = Connect(new ConnectionIdentity(42, "amy", 0, ByteString.Empty));
        socket.ClientSends(FrameWriter.EncodeMessage(FrameType.Gift, 0, 0, 0, 0, null, "rocket", null));
        await EndAsync(connection);

        Assert.Empty(uplink.Sent);
        Assert.Equal([ErrorCode.UnsupportedFrame], ErrorCodes());
    }

    [Fact]
    public async Task More_frames_per_second_than_allowed_get_an_error_frame_and_close_4029()
    {
        var connection = Connect(new ConnectionIdentity(42, "amy", 0, ByteString.Empty));
        var receiving = connection.ReceiveLoopAsync();
        for (var i = 0; i <= options.MaxFramesPerSecond; i++)
        {
            socket.ClientSends(FrameWriter.EncodeMessage(FrameType.Heartbeat, 0, 0, 0, 0, null, null, null));
        }

        await receiving;
        Assert.Equal(CloseCodes.TooManyFrames, connection.CloseCode);
        Assert.Equal([ErrorCode.RateLimited], ErrorCodes());
    }

    [Fact]
    public async Task Each_malformed_frame_gets_an_error_frame_and_too_many_close_4001()
    {
        var connection = Connect(new ConnectionIdentity(42, "amy", 0, ByteString.Empty));
        var receiving = connection.ReceiveLoopAsync();
        for (var i = 0; i <= options.MaxInvalidFrames; i++)
        {
            socket.ClientSends(Encoding.ASCII.GetBytes("not a frame " + i));
        }

        await receiving;
        Assert.Equal(CloseCodes.TooManyInvalidFrames, connection.CloseCode);
        Assert.Equal(Enumerable.Repeat(ErrorCode.MalformedFrame, options.MaxInvalidFrames + 1), ErrorCodes());
    }

    [Fact]
    public async Task A_frame_larger_than_allowed_closes_1009_before_it_is_read_to_the_end()
    {
        var connection = Connect(new ConnectionIdentity(42, "amy", 0, ByteString.Empty));
        var receiving = connection.ReceiveLoopAsync();
        socket.ClientSends(new byte[options.MaxInboundFrameBytes + 1]);

        await receiving;
        Assert.Equal(CloseCodes.MessageTooBig, connection.CloseCode);
        Assert.Empty(uplink.Sent);
    }

    public void Dispose()
    {
        metrics.Dispose();
        meters.Dispose();
    }

    private EdgeConnection Connect(ConnectionIdentity identity) =>
        new(socket, () => { }, identity, TestFrames.RoomId, ClientFormat.Binary, options, metrics, uplink);

    /// <summary>Runs the receive loop over what the client sent, then the client closes.</summary>
    private async Task EndAsync(EdgeConnection connection)
    {
        var receiving = connection.ReceiveLoopAsync();
        socket.ClientCloses();
        await receiving;
    }

    private ErrorCode[] ErrorCodes() =>
        [.. socket.Sent.Select(frame => TestFrames.Header(frame)).Select(header => header.Type == FrameType.Error ? (ErrorCode)header.Seq : (ErrorCode)(-1))];

    private static byte[] Danmaku(string content) => FrameWriter.EncodeMessage(FrameType.Danmaku, 0, 0, 0, 0, null, content, null);
}
