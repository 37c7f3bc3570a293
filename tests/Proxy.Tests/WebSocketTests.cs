using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Live.Proxy.Tests;

[CollectionDefinition(Name)]
public sealed class DefaultEnvironmentCollection : ICollectionFixture<DefaultEnvironmentFixture>
{
    public const string Name = "default environment";
}

[Collection(DefaultEnvironmentCollection.Name)]
public sealed class WebSocketTests(DefaultEnvironmentFixture fixture)
{
    private ProxyEnvironment Env => fixture.Environment;

    [Fact]
    public async Task An_allowed_origin_with_a_token_in_the_query_reaches_the_edge_as_the_verified_user()
    {
        var (user, tokens, _) = await Env.RegisterAndLoginAsync();
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Origin", ProxyEnvironment.AllowedOrigin);
        await ConnectAsync(socket, "?access_token=" + tokens.AccessToken);

        using var hello = JsonDocument.Parse(await ReceiveTextAsync(socket));
        Assert.Equal(user.UserId.ToString(System.Globalization.CultureInfo.InvariantCulture), hello.RootElement.GetProperty("userId").GetString());
        Assert.True(hello.RootElement.GetProperty("hasProof").GetBoolean());
        Assert.False(hello.RootElement.GetProperty("tokenLeaked").GetBoolean());
        // The client upgraded over HTTP/1.1; the Proxy carried it to the Edge as a stream of an HTTP/2 connection.
        Assert.Equal("HTTP/2", hello.RootElement.GetProperty("protocol").GetString());

        await socket.SendAsync(Encoding.UTF8.GetBytes("ping"), WebSocketMessageType.Text, true, CancellationToken.None);
        Assert.Equal("ping", await ReceiveTextAsync(socket));
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
    }

    [Fact]
    public async Task The_token_may_ride_in_Sec_WebSocket_Protocol_and_is_removed_before_the_edge()
    {
        var (user, tokens, _) = await Env.RegisterAndLoginAsync();
        using var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("live.v1");
        socket.Options.AddSubProtocol("access_token." + tokens.AccessToken);
        await ConnectAsync(socket, string.Empty);
        Assert.Equal("live.v1", socket.SubProtocol);

        using var hello = JsonDocument.Parse(await ReceiveTextAsync(socket));
        Assert.Equal(user.UserId.ToString(System.Globalization.CultureInfo.InvariantCulture), hello.RootElement.GetProperty("userId").GetString());
        Assert.Equal("live.v1", hello.RootElement.GetProperty("subprotocols").GetString());
        Assert.False(hello.RootElement.GetProperty("tokenLeaked").GetBoolean());
    }

    [Fact]
    public async Task An_evil_origin_gets_403_no_token_goes_through_as_a_guest_and_a_bad_token_gets_401()
    {
        var (_, tokens, _) = await Env.RegisterAndLoginAsync();
        using var evil = new ClientWebSocket();
        evil.Options.CollectHttpResponseDetails = true;
        evil.Options.SetRequestHeader("Origin", "https://evil.example");
        await Assert.ThrowsAsync<WebSocketException>(() => ConnectAsync(evil, "?access_token=" + tokens.AccessToken));
        Assert.Equal(HttpStatusCode.Forbidden, evil.HttpStatusCode);

        // Signed out: forwarded with a proof over empty identity, which the Edge serves as a read-only guest.
        using var guest = new ClientWebSocket();
        guest.Options.SetRequestHeader("Origin", ProxyEnvironment.AllowedOrigin);
        guest.Options.SetRequestHeader("x-user-id", "42");
        await ConnectAsync(guest, string.Empty);
        using var hello = JsonDocument.Parse(await ReceiveTextAsync(guest));
        Assert.Equal(string.Empty, hello.RootElement.GetProperty("userId").GetString());
        Assert.True(hello.RootElement.GetProperty("hasProof").GetBoolean());
        await guest.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);

        using var badToken = new ClientWebSocket();
        badToken.Options.CollectHttpResponseDetails = true;
        badToken.Options.SetRequestHeader("Origin", ProxyEnvironment.AllowedOrigin);
        await Assert.ThrowsAsync<WebSocketException>(() => ConnectAsync(badToken, "?access_token=not.a.jwt"));
        Assert.Equal(HttpStatusCode.Unauthorized, badToken.HttpStatusCode);
    }

    private async Task ConnectAsync(ClientWebSocket socket, string query)
    {
        var uri = new UriBuilder(Env.Proxy.PublicAddress) { Scheme = "wss", Path = "/ws", Query = query }.Uri;
        using var invoker = new HttpMessageInvoker(Env.Proxy.CreateHandler());
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await socket.ConnectAsync(uri, invoker, timeout.Token);
    }

    private static async Task<string> ReceiveTextAsync(ClientWebSocket socket)
    {
        var buffer = new byte[8192];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var result = await socket.ReceiveAsync(buffer, timeout.Token);
        Assert.True(result.EndOfMessage);
        return Encoding.UTF8.GetString(buffer, 0, result.Count);
    }
}
