using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using Google.Protobuf;
using Live.Edge;
using Live.Edge.Connections;
using Live.Edge.Identity;
using Live.Edge.Rooms;
using Live.Edge.Telemetry;
using Live.V1;
using Microsoft.Extensions.DependencyInjection;

// A join storm into one room and the leaves after it, on the Edge's own room registry, without sockets: what
// each join and leave costs the Edge as the room grows. Usage: Live.JoinStorm [connections] [rounds]
var connections = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 16_000;
var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 7;

var services = new ServiceCollection()
    .AddLogging()
    .AddMetrics()
    .AddOptions()
    .AddSingleton<EdgeMetrics>()
    .BuildServiceProvider();
var options = new EdgeOptions();
var metrics = services.GetRequiredService<EdgeMetrics>();
var uplink = new NoUplink();

var joins = new List<double>();
var leaves = new List<double>();
var allocated = new List<double>();
for (var round = 0; round <= rounds; round++)
{
    // The registry's constructor differs between revisions; the container fills in whatever it asks for.
    var registry = ActivatorUtilities.CreateInstance<RoomRegistry>(services);
    var clients = Enumerable.Range(1, connections).Select(i => new EdgeConnection(
        WebSocket.CreateFromStream(Stream.Null, new WebSocketCreationOptions { IsServer = true }), () => { },
        new ConnectionIdentity(i, "viewer", 1, ByteString.Empty), 1, ClientFormat.Binary, options, metrics, uplink)).ToList();
    GC.Collect();
    var bytesBefore = GC.GetTotalAllocatedBytes(precise: true);
    var started = Stopwatch.GetTimestamp();
    foreach (var client in clients)
    {
        registry.Join(client);
    }

    var joined = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    started = Stopwatch.GetTimestamp();
    foreach (var client in clients)
    {
        registry.Leave(client);
    }

    var left = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    var bytes = GC.GetTotalAllocatedBytes(precise: true) - bytesBefore;
    // Round 0 warms the JIT up and is not counted.
    if (round > 0)
    {
        joins.Add(joined);
        leaves.Add(left);
        allocated.Add(bytes / 1048576.0);
    }
}

static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
Console.WriteLine(FormattableString.Invariant(
    $"{connections} connections into one room, median of {rounds}: joins {Median(joins):F1} ms ({Median(joins) * 1000 / connections:F2} µs each), leaves {Median(leaves):F1} ms ({Median(leaves) * 1000 / connections:F2} µs each), allocated {Median(allocated):F1} MiB; load {File.ReadAllText("/proc/loadavg").Trim()}"));

internal sealed class NoUplink : IMessageUplink
{
    public RelaySendResult TrySendMessage(long roomId, RelayUp up) => RelaySendResult.Disconnected;
}
