using System.Net;
using System.Net.WebSockets;
using Live.Protocol;

namespace Live.Realtime.Tests;

/// <summary>
/// Browsers and node's ws pass the token as a subprotocol and refuse an upgrade that selects none of the
/// offered ones: the Edge must select live.v1, never the token entry.
/// </summary>
[Collection(RealtimeCollection.Name)]
public sealed class SubprotocolTests(RealtimeFixture fixture)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Offering_live_v1_and_a_token_selects_live_v1_and_never_echoes_the_token()
    {
        var room = await fixture.CreateLiveRoomAsync();
        using var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol(Subprotocols.Live);
        socket.Options.AddSubProtocol(Subprotocols.TokenPrefix + "eyJhbGciOiJSUzI1NiJ9.e30.c2ln");
        socket.Options.CollectHttpResponseDetails = true;
        using var invoker = new HttpMessageInvoker(new SocketsHttpHandler());
        using var timeout = new CancellationTokenSource(Patience);
        await socket.ConnectAsync(fixture.WebSocketUri(fixture.EdgeA, room.Id), invoker, timeout.Token);

        Assert.Equal(Subprotocols.Live, socket.SubProtocol);
        var answered = socket.HttpResponseHeaders?["Sec-WebSocket-Protocol"] ?? [];
        Assert.Equal([Subprotocols.Live], answered);

        var buffer = new byte[4096];
        var first = await socket.ReceiveAsync(buffer, timeout.Token);
        Assert.Equal(DecodeStatus.Ok, FrameReader.TryReadSingleMessage(buffer.AsSpan(0, first.Count), out var resume));
        Assert.Equal(FrameType.Resume, resume.Type);
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
    }

    [Fact]
    public async Task Offering_only_a_token_is_refused_before_the_upgrade_with_what_to_offer()
    {
        var room = await fixture.CreateLiveRoomAsync();
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, new UriBuilder(fixture.WebSocketUri(fixture.EdgeA, room.Id)) { Scheme = "http" }.Uri);
        request.Headers.Add("Connection", "Upgrade");
        request.Headers.Add("Upgrade", "websocket");
        request.Headers.Add("Sec-WebSocket-Version", "13");
        request.Headers.Add("Sec-WebSocket-Key", Convert.ToBase64String(Guid.NewGuid().ToByteArray()));
        request.Headers.Add("Sec-WebSocket-Protocol", Subprotocols.TokenPrefix + "abc");
        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("live.v1", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Offering_no_subprotocol_still_connects_without_one()
    {
        var room = await fixture.CreateLiveRoomAsync();
        await using var client = await RoomClient.ConnectAsync(fixture.WebSocketUri(fixture.EdgeA, room.Id));
        Assert.Null(client.Socket.SubProtocol);
        await client.WaitForAsync(e => e.Type == FrameType.Resume, Patience);
    }
}
