using System.Diagnostics;
using System.Globalization;
using System.Net;
using Live.Protocol;
using Live.Realtime.Tests;
using Live.Testing;
using Live.V1;

namespace Live.Chaos.Tests;

/// <summary>
/// Scenario D: the network between an Edge and its MessageService turns bad. The Edge's relay channel (its relay
/// streams and history reads) goes through a <see cref="TcpFaultRelay"/> that first delays every chunk, then
/// stalls everything, then cuts every connection, while two rooms carry traffic both ways.
/// </summary>
public sealed class RelayNetworkFaultTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private RealtimeCluster cluster = null!;
    private TcpFaultRelay relay = null!;
    private TestHost edge = null!;

    public async Task InitializeAsync()
    {
        cluster = await new RealtimeClusterBuilder("chaos_net")
            .WithNodes(1)
            .WithMessageServiceSettings(new Dictionary<string, string?>
            {
                ["Moderation:MessagesPerSecond"] = "10000",
                ["Moderation:Burst"] = "10000",
                ["Moderation:DuplicateWindowMs"] = "0",
            })
            .StartAsync();
        var messages = cluster.MessageServices[0];
        relay = new TcpFaultRelay(new IPEndPoint(IPAddress.Loopback, messages.GrpcAddress.Port));
        edge = await cluster.StartEdgeAsync(messages, new Dictionary<string, string?> { ["Services:MessageService"] = relay.Address.ToString() });
    }

    public async Task DisposeAsync()
    {
        await edge.DisposeAsync();
        await relay.DisposeAsync();
        await cluster.DisposeAsync();
        edge.Logs.AssertNoErrors();
    }

    [Fact(Timeout = 120_000)]
    public async Task Delay_stall_and_cut_between_Edge_and_MessageService_streams_recover_order_holds_viewers_are_gapless_or_told()
    {
        var rooms = new RoomServiceClient(cluster.Rooms.Channel);
        var roomIds = new List<long>();
        for (var i = 0; i < 2; i++)
        {
            var room = await rooms.CreateRoomAsync(new CreateRoomRequest { AnchorUserId = 7, Title = "chaos", Category = "chat" });
            await rooms.StartLiveAsync(new StartLiveRequest { RoomId = room.Id });
            roomIds.Add(room.Id);
        }

        var viewers = new List<FollowingViewer>();
        var senders = new List<ChaosSender>();
        using var publishing = new CancellationTokenSource();
        try
        {
            foreach (var (roomId, index) in roomIds.Select((r, i) => (r, i)))
            {
                viewers.Add(await FollowingViewer.StartAsync(query => RoomClient.ConnectAsync(Uri(roomId, query), userId: 501 + index)));
                senders.Add(new ChaosSender("s" + index, () => RoomClient.ConnectAsync(Uri(roomId, null), userId: 511 + index), TimeSpan.FromMilliseconds(20)));
            }

            foreach (var viewer in viewers)
            {
                await viewer.UntilAsync(e => e.Type == FrameType.Resume, Patience);
            }

            senders.ForEach(s => s.Start());
            var publisher = PublishUntilAsync(roomIds, publishing.Token);
            await Task.Delay(1_000);

            relay.SetDelay(TimeSpan.FromMilliseconds(100));
            await Task.Delay(2_000);
            relay.SetDelay(TimeSpan.Zero);
            relay.Stall();
            await Task.Delay(3_000);
            relay.Resume();
            await Task.Delay(1_000);

            var accepted = relay.Accepted;
            relay.CutAll();
            var cutAt = Stopwatch.StartNew();
            senders.ForEach(s => s.Phase = "after-cut");
            foreach (var (viewer, index) in viewers.Select((v, i) => (v, i)))
            {
                await viewer.UntilAsync(e => e.Content.StartsWith("after-cut s" + index + " ", StringComparison.Ordinal), Patience);
            }

            var recovered = cutAt.Elapsed;
            Assert.True(relay.Accepted > accepted, "the Edge did not connect again through the relay after the cut");

            await Task.WhenAll(senders.Select(s => s.StopAsync()));
            await publishing.CancelAsync();
            await publisher;
            var client = new MessageServiceClient(cluster.MessageServices[0].Channel);
            foreach (var (roomId, index) in roomIds.Select((r, i) => (r, i)))
            {
                var marker = "marker " + index;
                await client.PublishAsync(new PublishRequest { RoomId = roomId, Kind = MessageKind.System, Content = marker });
                var viewer = viewers[index];
                await viewer.UntilAsync(e => e.Content == marker, Patience);
                ViewerLog.AssertGaplessOrTold(viewer.Seen, "viewer of room " + index);
                AssertInSendOrder(viewer.Seen, "s" + index);
                AssertInSendOrder(viewer.Seen, "p");
                Assert.DoesNotContain(viewer.Seen, e => e.IsClose && e.CloseStatus != 1001);
            }

            Figures.Record("D: after the cut, both rooms' traffic reached their viewers again after", recovered);
            Figures.Record("D: viewer reconnects (1001 then resume)", string.Join(", ", viewers.Select(v => v.Reconnects)));
        }
        finally
        {
            await publishing.CancelAsync();
            foreach (var sender in senders)
            {
                await sender.DisposeAsync();
            }

            foreach (var viewer in viewers)
            {
                await viewer.DisposeAsync();
            }
        }
    }

    /// <summary>One source's messages (content "phase source n") reach a viewer with n increasing.</summary>
    private static void AssertInSendOrder(IReadOnlyList<ClientEvent> seen, string source)
    {
        long last = 0;
        foreach (var e in seen.Where(ViewerLog.IsMessage))
        {
            var parts = e.Content.Split(' ');
            if (parts.Length == 3 && parts[1] == source)
            {
                var n = long.Parse(parts[2], CultureInfo.InvariantCulture);
                Assert.True(n > last, $"{source}'s message {n} arrived after its message {last}");
                last = n;
            }
        }

        Assert.True(last > 0, $"no message of {source} arrived");
    }

    /// <summary>Server-side traffic too: 50 msg/s per room through Publish on the MessageService, not through the relay.</summary>
    private async Task PublishUntilAsync(List<long> roomIds, CancellationToken stop)
    {
        var client = new MessageServiceClient(cluster.MessageServices[0].Channel);
        for (var n = 1; !stop.IsCancellationRequested; n++)
        {
            foreach (var roomId in roomIds)
            {
                await client.PublishAsync(new PublishRequest
                {
                    RoomId = roomId, Kind = MessageKind.Danmaku, UserId = 500, UserName = "p", Content = string.Create(CultureInfo.InvariantCulture, $"pub p {n}"),
                }, cancellationToken: CancellationToken.None);
            }

            try
            {
                await Task.Delay(20, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private Uri Uri(long roomId, string? query) =>
        new($"ws://127.0.0.1:{edge.HttpAddress.Port}/ws?room={roomId}{(query is null ? "" : "&" + query)}");
}
