using System.Net.WebSockets;
using System.Text;
using Live.V1;

namespace Live.Proxy.Tests;

/// <summary>
/// Close codes the real Edge sends reach a standard client through the Proxy as sent, even when the client is
/// still sending: 1009 for a 1 MiB frame and 4001 for a stream of malformed frames, every try, never 1006.
/// Fails when the Edge stops reading at the close: the reset then reaches the client before it reads the close.
/// .NET's ClientWebSocket writes a whole frame before it reads, so it rarely sees the race; the raw client
/// (<see cref="RawWebSocketClient"/>) reads while it writes, as browsers and ws do, and is still writing the
/// frame when the Edge closes.
/// </summary>
public sealed class CloseCodeTests(RealtimeEnvironmentFixture fixture) : IClassFixture<RealtimeEnvironmentFixture>
{
    private const int Tries = 20;
    private const int ConcurrentTries = 20;
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

    /// <summary>
    /// The race of issue 14 item 5, as often as a test can afford: 1 MiB frames written whole and in pieces (so
    /// the Edge closes while the rest still arrives), by clients that read while they write, 20 at once (the
    /// Proxy's two copy directions then race for the thread pool as on a busy node), twice per way.
    /// </summary>
    [Fact]
    public async Task A_1_MiB_frame_still_arriving_when_the_edge_closes_is_closed_with_1009_every_time()
    {
        var (roomId, token) = await LiveRoomAndViewerAsync();
        var oversized = new byte[1024 * 1024];
        var codes = new List<int?>();
        foreach (var (chunkBytes, gapMs) in new[] { (oversized.Length, 0), (64 * 1024, 2), (16 * 1024, 1) })
        {
            for (var round = 0; round < 2; round++)
            {
                codes.AddRange(await Task.WhenAll(Enumerable.Range(0, ConcurrentTries).Select(async _ =>
                {
                    await using var client = await RawWebSocketClient.ConnectAsync(Env.Proxy, $"/ws?room={roomId}&format=json", token);
                    await client.SendFrameAsync(oversized, chunkBytes, TimeSpan.FromMilliseconds(gapMs));
                    return await client.CloseStatusAsync(Patience);
                })));
            }
        }

        AssertEveryTry(codes, (int)WebSocketCloseStatus.MessageTooBig);
    }

    [Fact]
    public async Task A_1_MiB_message_sent_as_fragments_is_closed_with_1009_every_time()
    {
        var (roomId, token) = await LiveRoomAndViewerAsync();
        var oversized = new byte[1024 * 1024];
        var codes = new List<int?>();
        for (var i = 0; i < Tries; i++)
        {
            await using var client = await RawWebSocketClient.ConnectAsync(Env.Proxy, $"/ws?room={roomId}&format=json", token);
            await client.SendFragmentsAsync(oversized, fragmentBytes: 64 * 1024, gap: TimeSpan.FromMilliseconds(2));
            codes.Add(await client.CloseStatusAsync(Patience));
        }

        AssertEveryTry(codes, (int)WebSocketCloseStatus.MessageTooBig);
    }

    [Fact]
    public async Task Malformed_frames_from_a_client_that_reads_while_it_sends_are_closed_with_4001_every_time()
    {
        var (roomId, token) = await LiveRoomAndViewerAsync();
        var malformed = Encoding.UTF8.GetBytes("{not json");
        var big = Encoding.UTF8.GetBytes("{" + new string('x', 4000));
        var codes = new List<int?>();
        for (var round = 0; round < 2; round++)
        {
            codes.AddRange(await Task.WhenAll(Enumerable.Range(0, ConcurrentTries).Select(async _ =>
            {
                await using var client = await RawWebSocketClient.ConnectAsync(Env.Proxy, $"/ws?room={roomId}&format=json", token);
                // Eleven malformed frames make the Edge close; the ones after are already on their way, as from a
                // client that keeps sending until it has read the close.
                for (var frame = 0; frame < 75 && !client.CloseReceived; frame++)
                {
                    if (!await client.SendFrameAsync(frame < 11 ? malformed : big, chunkBytes: 1024, gap: TimeSpan.FromMilliseconds(1)))
                    {
                        break;
                    }
                }

                return await client.CloseStatusAsync(Patience);
            })));
        }

        AssertEveryTry(codes, 4001);
    }

    /// <summary>Every try saw the code; the counts of what was seen instead are in the failure.</summary>
    private static void AssertEveryTry(List<int?> codes, int expected)
    {
        var seen = string.Join(", ", codes.GroupBy(code => code?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "1006 (no close frame)")
            .Select(group => $"{group.Key} ×{group.Count()}"));
        Assert.True(codes.All(code => code == expected), $"expected {expected} in all {codes.Count} tries; saw {seen}");
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
