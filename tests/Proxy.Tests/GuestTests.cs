using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Grpc.Core;
using Live.V1;

namespace Live.Proxy.Tests;

public sealed class RealtimeEnvironmentFixture : ProxyEnvironmentFixture
{
    protected override bool WithRealtime => true;
}

/// <summary>
/// A public live room is watchable without an account: through the Proxy, a WebSocket without a token reaches
/// the real Edge as a read-only guest, sees the room's messages, and is told (error frame not_allowed) when it sends.
/// </summary>
public sealed class GuestTests(RealtimeEnvironmentFixture fixture) : IClassFixture<RealtimeEnvironmentFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private ProxyEnvironment Env => fixture.Environment;

    [Fact]
    public async Task A_guest_watches_a_room_through_the_proxy_receives_its_messages_and_cannot_send()
    {
        var (_, anchor, _) = await Env.RegisterAndLoginAsync(asAnchor: true);
        var room = await Env.PublicRooms.CreateRoomAsync(new CreateRoomRequest { Title = "open to guests", Category = "chat" }, ProxyEnvironment.Bearer(anchor.AccessToken));
        await Env.PublicRooms.StartLiveAsync(new StartLiveRequest { RoomId = room.Id }, ProxyEnvironment.Bearer(anchor.AccessToken));

        using var guest = new ClientWebSocket();
        guest.Options.SetRequestHeader("Origin", ProxyEnvironment.AllowedOrigin);

        // Identity headers a client sends are dropped, so claiming to be someone does not make a guest a user.
        guest.Options.SetRequestHeader("x-user-id", "1");
        await ConnectAsync(guest, room.Id);
        await ReceiveUntilAsync(guest, frame => frame.GetProperty("type").GetString() == "resume");

        var (_, viewer, _) = await Env.RegisterAndLoginAsync(asAnchor: false);
        using var sender = new ClientWebSocket();
        sender.Options.SetRequestHeader("Authorization", "Bearer " + viewer.AccessToken);
        await ConnectAsync(sender, room.Id);
        await ReceiveUntilAsync(sender, frame => frame.GetProperty("type").GetString() == "resume");
        await SendTextAsync(sender, """{"type":"danmaku","content":"hello, guests","color":"#FFFFFF"}""");

        var batch = await ReceiveUntilAsync(guest, frame => frame.GetProperty("type").GetString() == "batch");
        var message = batch.GetProperty("messages")[0];
        Assert.Equal("hello, guests", message.GetProperty("content").GetString());
        Assert.True(message.GetProperty("userId").GetInt64() > 0);

        await SendTextAsync(guest, """{"type":"danmaku","content":"may I?","color":"#FFFFFF"}""");
        var error = await ReceiveUntilAsync(guest, frame => frame.GetProperty("type").GetString() == "error");
        Assert.Equal(5, error.GetProperty("code").GetInt32());
        Assert.Equal("not_allowed", error.GetProperty("reason").GetString());
        Assert.Equal("guests cannot send; sign in first", error.GetProperty("content").GetString());
        Assert.Equal(WebSocketState.Open, guest.State);

        await guest.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        await sender.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
    }

    [Fact]
    public async Task A_guest_browses_live_rooms_and_the_gift_catalogue_without_a_token_but_cannot_act()
    {
        var (_, anchor, _) = await Env.RegisterAndLoginAsync(asAnchor: true);
        var room = await Env.PublicRooms.CreateRoomAsync(new CreateRoomRequest { Title = "find me", Category = "chat" }, ProxyEnvironment.Bearer(anchor.AccessToken));
        await Env.PublicRooms.StartLiveAsync(new StartLiveRequest { RoomId = room.Id }, ProxyEnvironment.Bearer(anchor.AccessToken));

        var live = await Env.PublicRooms.ListRoomsAsync(new ListRoomsRequest { Status = RoomStatus.Live });
        Assert.Contains(live.Rooms, r => r.Id == room.Id && r.Title == "find me");
        Assert.Equal(RoomStatus.Live, (await Env.PublicRooms.GetRoomAsync(new GetRoomRequest { RoomId = room.Id })).Status);
        await Env.PublicRooms.GetViewerCountAsync(new GetViewerCountRequest { RoomId = room.Id });
        var gifts = new Live.V1.GiftService.GiftServiceClient(Env.Proxy.Channel);
        Assert.NotEmpty((await gifts.ListGiftsAsync(new ListGiftsRequest())).Gifts);

        // Everything that acts, or reads someone's own data, still needs a token, and says so.
        var join = await Assert.ThrowsAsync<RpcException>(() => Env.PublicRooms.JoinRoomAsync(new JoinRoomRequest { RoomId = room.Id }).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, join.StatusCode);
        Assert.Equal("This call needs an access token (Authorization: Bearer <token>).", join.Status.Detail);
        var wallet = await Assert.ThrowsAsync<RpcException>(() => gifts.GetWalletAsync(new GetWalletRequest()).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, wallet.StatusCode);
        var stop = await Assert.ThrowsAsync<RpcException>(() => Env.PublicRooms.StopLiveAsync(new StopLiveRequest { RoomId = room.Id }).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, stop.StatusCode);
    }

    [Fact]
    public async Task A_token_that_fails_is_refused_with_401_rather_than_turned_into_a_guest()
    {
        var (_, anchor, _) = await Env.RegisterAndLoginAsync(asAnchor: true);
        var room = await Env.PublicRooms.CreateRoomAsync(new CreateRoomRequest { Title = "tokens checked", Category = "chat" }, ProxyEnvironment.Bearer(anchor.AccessToken));
        await Env.PublicRooms.StartLiveAsync(new StartLiveRequest { RoomId = room.Id }, ProxyEnvironment.Bearer(anchor.AccessToken));

        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.SetRequestHeader("Authorization", "Bearer not.a.jwt");
        await Assert.ThrowsAsync<WebSocketException>(() => ConnectAsync(socket, room.Id));
        Assert.Equal(HttpStatusCode.Unauthorized, socket.HttpStatusCode);
    }

    private async Task ConnectAsync(ClientWebSocket socket, long roomId)
    {
        var uri = new UriBuilder(Env.Proxy.PublicAddress) { Scheme = "wss", Path = "/ws", Query = $"room={roomId}&format=json" }.Uri;
        using var invoker = new HttpMessageInvoker(Env.Proxy.CreateHandler());
        using var timeout = new CancellationTokenSource(Patience);
        await socket.ConnectAsync(uri, invoker, timeout.Token);
    }

    private static Task SendTextAsync(ClientWebSocket socket, string json) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, true, CancellationToken.None);

    /// <summary>JSON frames are read (online counts, heartbeats and the like skipped) until one matches; bounded in time.</summary>
    private static async Task<JsonElement> ReceiveUntilAsync(ClientWebSocket socket, Func<JsonElement, bool> wanted)
    {
        using var timeout = new CancellationTokenSource(Patience);
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var length = 0;
            ValueWebSocketReceiveResult result;
            do
            {
                result = await socket.ReceiveAsync(buffer.AsMemory(length), timeout.Token);
                length += result.Count;
            }
            while (!result.EndOfMessage);

            Assert.NotEqual(WebSocketMessageType.Close, result.MessageType);
            using var document = JsonDocument.Parse(buffer.AsMemory(0, length));
            if (wanted(document.RootElement))
            {
                return document.RootElement.Clone();
            }
        }
    }
}
