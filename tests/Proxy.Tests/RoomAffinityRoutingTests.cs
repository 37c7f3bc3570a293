using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Yarp.ReverseProxy;

namespace Live.Proxy.Tests;

/// <summary>Three stand-in Edges behind the real Proxy's /ws route, balanced by its appsettings' RoomAffinity policy.</summary>
public sealed class ThreeEdgesFixture : IAsyncLifetime
{
    private readonly List<EchoWebSocketHost> extraEdges = [];

    public ProxyEnvironment Environment { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        extraEdges.Add(await EchoWebSocketHost.StartAsync());
        extraEdges.Add(await EchoWebSocketHost.StartAsync());

        // A generous bound, so that the few sockets of one test never spill and the test shows the affinity alone.
        Environment = await ProxyEnvironment.StartAsync(proxySettings: new Dictionary<string, string?>
        {
            ["RoomAffinity:BalanceFactor"] = "10",
            ["ReverseProxy:Clusters:edge:Destinations:v1b:Address"] = extraEdges[0].Address.ToString(),
            ["ReverseProxy:Clusters:edge:Destinations:v1c:Address"] = extraEdges[1].Address.ToString(),
        });
    }

    public async Task DisposeAsync()
    {
        if (Environment is not null)
        {
            await Environment.DisposeAsync();
        }

        foreach (var edge in extraEdges)
        {
            await edge.DisposeAsync();
        }
    }
}

public sealed class RoomAffinityRoutingTests(ThreeEdgesFixture fixture) : IClassFixture<ThreeEdgesFixture>
{
    private ProxyEnvironment Env => fixture.Environment;

    [Fact]
    public async Task Every_socket_of_one_room_lands_on_the_same_edge_and_is_counted_there_while_open()
    {
        var rooms = Enumerable.Range(1, 12).ToArray();
        var sockets = new List<ClientWebSocket>();
        try
        {
            var servedBy = new Dictionary<int, HashSet<int>>();
            foreach (var room in rooms)
            {
                servedBy[room] = [];
                for (var viewer = 0; viewer < 3; viewer++)
                {
                    var socket = new ClientWebSocket();
                    sockets.Add(socket);
                    await ConnectAsync(socket, room);
                    using var hello = JsonDocument.Parse(await ReceiveTextAsync(socket));
                    servedBy[room].Add(hello.RootElement.GetProperty("servedByPort").GetInt32());
                }
            }

            Assert.All(rooms, room => Assert.Single(servedBy[room]));

            // Twelve rooms over three Edges: more than one Edge is home to some (all on one would mean no hashing).
            Assert.True(servedBy.Values.Select(ports => ports.Single()).Distinct().Count() > 1);

            // The counts the policy bounds by are the open sockets: YARP holds each one for the tunnel's lifetime.
            var state = Env.Proxy.App.Services.GetRequiredService<IProxyStateLookup>();
            Assert.True(state.TryGetCluster("edge", out var cluster));
            Assert.Equal(sockets.Count, cluster.DestinationsState.AllDestinations.Sum(edge => edge.ConcurrentRequestCount));
        }
        finally
        {
            foreach (var socket in sockets)
            {
                if (socket.State == WebSocketState.Open)
                {
                    await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                }

                socket.Dispose();
            }
        }
    }

    private async Task ConnectAsync(ClientWebSocket socket, int room)
    {
        socket.Options.SetRequestHeader("Origin", ProxyEnvironment.AllowedOrigin);
        var query = "?room=" + room.ToString(CultureInfo.InvariantCulture);
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
