using Microsoft.AspNetCore.Http.Features;

namespace Live.Edge.Sockets;

/// <summary>
/// Keeps hold of the stream a WebSocket upgrade hands to the socket (HTTP/1.1 upgrade or HTTP/2 extended
/// CONNECT), so room frames encoded and framed once per Edge can be written to it as they are, rather than copied
/// into the socket's own frame buffer for every connection. ASP.NET's handshake still does the upgrade: this
/// stands in front of the server's upgrade features and wraps the stream they return in a
/// <see cref="SerializedWriteStream"/>, which the WebSocket and the connection's outbox then share.
/// </summary>
internal sealed class WebSocketTransport(IHttpUpgradeFeature? upgrade, IHttpExtendedConnectFeature? connect)
    : IHttpUpgradeFeature, IHttpExtendedConnectFeature
{
    /// <summary>The upgraded stream, once the handshake has run.</summary>
    public SerializedWriteStream? Stream { get; private set; }

    public bool IsUpgradableRequest => upgrade?.IsUpgradableRequest ?? false;

    public bool IsExtendedConnect => connect?.IsExtendedConnect ?? false;

    public string? Protocol => connect?.Protocol;

    public async Task<Stream> UpgradeAsync() =>
        Stream = new SerializedWriteStream(await (upgrade ?? throw new InvalidOperationException("This request cannot be upgraded.")).UpgradeAsync());

    public async ValueTask<Stream> AcceptAsync() =>
        Stream = new SerializedWriteStream(await (connect ?? throw new InvalidOperationException("This request is not an extended CONNECT.")).AcceptAsync());

    /// <summary>Put in front of the server's upgrade features for WebSocket requests; runs before UseWebSockets, which reads them.</summary>
    public static Task Capture(HttpContext context, RequestDelegate next)
    {
        var upgrade = context.Features.Get<IHttpUpgradeFeature>();
        var connect = context.Features.Get<IHttpExtendedConnectFeature>();
        if (upgrade is { IsUpgradableRequest: true } || connect is { IsExtendedConnect: true })
        {
            var transport = new WebSocketTransport(upgrade, connect);
            context.Features.Set<IHttpUpgradeFeature>(transport);
            context.Features.Set<IHttpExtendedConnectFeature>(transport);
            context.Features.Set(transport);
        }

        return next(context);
    }
}
