using System.Net.WebSockets;
using System.Text;
using Live.V1;

namespace Live.Proxy.Tests;

/// <summary>
/// Close codes the real Edge sends reach a standard client through the Proxy as sent, even when the client is
/// still sending: 1009 for a 1 MiB frame and 4001 for a stream of malformed frames, every try, never 1006.
/// Fails when the Edge stops reading at the close: the reset then reaches the client before it reads the close.
/// </summary>
public sealed class CloseCodeTests(RealtimeEnvironmentFixture fixture) : IClassFixture<RealtimeEnvironmentFixture>
{
    private const int Tries = 20;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private ProxyEnvironment Env => fixture.Environment;

    [Fact]
    public async Task A_1_MiB_frame_through_the_proxy_is_closed_with_1009_every_time()
    {
        var (roomId, token) = await LiveRoomAndViewerAsync();
        var oversized = new byte[1024 * 1024];
        var codes = new List<int?>();
        for (var i = 0; i < Tries; i++)
        {
            using var socket = await ConnectAsync(roomId, token);
            codes.Add(await CloseStatusAfterSendingAsync(socket, [oversized]));
        }

        Assert.All(codes, code => Assert.Equal((int)WebSocketCloseStatus.MessageTooBig, code));
    }

    [Fact]
    public async Task Malformed_frames_through_the_proxy_are_closed_with_4001_every_time()
    {
        var (roomId, token) = await LiveRoomAndViewerAsync();
        var malformed = Enumerable.Repeat(Encoding.UTF8.GetBytes("{not json"), 11);
        var trailing = Enumerable.Repeat(Encoding.UTF8.GetBytes("{" + new string('x', 4000)), 64);
        var codes = new List<int?>();
        for (var i = 0; i < Tries; i++)
        {
            using var socket = await ConnectAsync(roomId, token);
            codes.Add(await CloseStatusAfterSendingAsync(socket, [.. malformed, .. trailing]));
        }

        Assert.All(codes, code => Assert.Equal(4001, code));
    }

    private async Task<(long RoomId, string Token)> LiveRoomAndViewerAsync()
    {
        var (_, anchor, _) = await Env.RegisterAndLoginAsync(asAnchor: true);
        var room = await Env.PublicRooms.CreateRoomAsync(new CreateRoomRequest { Title = "close codes", Category = "chat" }, ProxyEnvironment.Bearer(anchor.AccessToken));
        await Env.PublicRooms.StartLiveAsync(new StartLiveRequest { RoomId = room.Id }, ProxyEnvironment.Bearer(anchor.AccessToken));
        var (_, viewer, _) = await Env.RegisterAndLoginAsync(asAnchor: false);
        return (room.Id, viewer.AccessToken);
    }

    private async Task<ClientWebSocket> ConnectAsync(long roomId, string token)
    {
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
        var uri = new UriBuilder(Env.Proxy.PublicAddress) { Scheme = "wss", Path = "/ws", Query = $"room={roomId}&format=json" }.Uri;
        using var invoker = new HttpMessageInvoker(Env.Proxy.CreateHandler());
        using var timeout = new CancellationTokenSource(Patience);
        await socket.ConnectAsync(uri, invoker, timeout.Token);
        return socket;
    }

    /// <summary>
    /// Sends the frames, then reads, as a simple client does (the close frame waits in its receive buffer, where a
    /// reset would throw it away); the close status read, or null when the connection dropped without one (1006).
    /// </summary>
    private static async Task<int?> CloseStatusAfterSendingAsync(ClientWebSocket socket, IEnumerable<byte[]> frames)
    {
        try
        {
            foreach (var frame in frames)
            {
                await socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The close came while sending; what the client reads is what counts.
        }

        using var timeout = new CancellationTokenSource(Patience);
        var buffer = new byte[64 * 1024];
        int? status = null;
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer, timeout.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    status = (int?)socket.CloseStatus;
                    break;
                }
            }
        }
        catch (WebSocketException)
        {
            // The connection dropped before a close frame arrived.
        }

        socket.Abort();
        return status;
    }
}
