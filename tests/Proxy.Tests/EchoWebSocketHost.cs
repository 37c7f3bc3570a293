using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Live.Proxy.Tests;

/// <summary>
/// Stands in for the Edge behind the Proxy's /ws route: accepts the upgrade (choosing live.v1 when offered),
/// first sends what it received (identity headers, whether any token reached it), which port served it and over
/// which HTTP version the Proxy reached it, then echoes every message.
/// </summary>
public sealed class EchoWebSocketHost : IAsyncDisposable
{
    private readonly WebApplication app;

    private EchoWebSocketHost(WebApplication app, int port)
    {
        this.app = app;
        Address = new Uri($"http://127.0.0.1:{port}");
    }

    public Uri Address { get; }

    public static async Task<EchoWebSocketHost> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();

        // Whatever appsettings.json the test folder holds belongs to some service, not to this stand-in.
        ((IConfigurationBuilder)builder.Configuration).Sources.Clear();
        builder.Configuration.AddInMemoryCollection();
        // Port 0: the kernel picks one at bind time (a port probed free earlier can be taken before the bind).
        // HTTP/2 only, as the Edge's port for the Proxy: the Proxy multiplexes its WebSockets over few connections.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.UseWebSockets();
        app.Map("/ws", async context =>
        {
            if (!context.WebSockets.IsWebSocketRequest)
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                return;
            }

            var offered = context.WebSockets.WebSocketRequestedProtocols;
            using var socket = await context.WebSockets.AcceptWebSocketAsync(offered.Contains("live.v1") ? "live.v1" : null);
            var hello = JsonSerializer.Serialize(new
            {
                userId = context.Request.Headers["x-user-id"].ToString(),
                roles = context.Request.Headers["x-user-roles"].ToString(),
                hasProof = context.Request.Headers.ContainsKey("x-live-identity"),
                tokenLeaked = context.Request.Headers.ContainsKey("Authorization")
                    || context.Request.Query.ContainsKey("access_token")
                    || string.Join(',', offered).Contains("access_token", StringComparison.Ordinal),
                subprotocols = string.Join(',', offered),
                servedByPort = context.Connection.LocalPort,
                protocol = context.Request.Protocol,
            });
            await socket.SendAsync(Encoding.UTF8.GetBytes(hello), WebSocketMessageType.Text, true, context.RequestAborted);

            var buffer = new byte[4096];
            while (true)
            {
                var received = await socket.ReceiveAsync(buffer, context.RequestAborted);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, context.RequestAborted);
                    return;
                }

                await socket.SendAsync(buffer.AsMemory(0, received.Count), received.MessageType, received.EndOfMessage, context.RequestAborted);
            }
        });
        await app.StartAsync();
        var bound = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
        return new EchoWebSocketHost(app, bound.Port);
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
