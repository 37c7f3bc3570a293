using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Grpc.Core;
using Grpc.Net.Client;
using Live.Protocol;
using Live.Realtime.Tests;
using Live.Testing;
using Live.Tools.KafkaMock;
using Live.V1;

namespace Live.Chaos.Tests;

/// <summary>
/// Scenario E: one of two MessageServices, each a process of its own, is killed with SIGKILL while two Edges
/// carry two rooms at 2,000 msg/s offered. Edge A relays through the killed node (the survivor is its fallback),
/// Edge B through the survivor; publishers call both nodes. The Edge moves its streams to the survivor, every
/// message a sender was answered for is in Redis history (so every viewer ends gapless) and, once the survivor
/// has handed over what the killed node had not (ADR 0014), in Kafka exactly once.
/// </summary>
public sealed class MessageServiceKillTests : IAsyncLifetime
{
    private const string Topic = "live-messages";
    /// <summary>What the publish loops offer together: each is paced to its share, so a slower answer does not lower the rate.</summary>
    private const double OfferedPerSecond = 2_000;

    /// <summary>Enough loops that each has 20 ms per call: an answer may take that long without falling behind.</summary>
    private const int PublishLoops = 40;

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>How soon the killed node's Edge must carry its rooms' traffic again through the survivor.</summary>
    private static readonly TimeSpan FailoverPromise = TimeSpan.FromSeconds(5);

    private MockCluster kafka = null!;
    private RealtimeCluster cluster = null!;

    public async Task InitializeAsync()
    {
        kafka = new MockCluster(brokers: 1, libraryPath: null);
        foreach (var topic in new[] { "room-events", Topic, "gift-events", "orders", "commerce-sales" })
        {
            kafka.CreateTopic(topic, partitions: 4);
        }

        cluster = await new RealtimeClusterBuilder("chaos_kill").WithNodes(0).StartAsync();
    }

    public async Task DisposeAsync()
    {
        await cluster.DisposeAsync();
        kafka.Dispose();
    }

    [Fact(Timeout = 180_000)]
    public async Task Kill_9_of_one_MessageService_moves_its_Edge_to_the_survivor_and_loses_no_acknowledged_message()
    {
        var settings = cluster.MessageServiceSettings(kafka.Bootstraps, new Dictionary<string, string?>
        {
            ["Moderation:MessagesPerSecond"] = "10000",
            ["Moderation:Burst"] = "10000",
            ["Moderation:DuplicateWindowMs"] = "0",
            ["Messages:HistoryLength"] = "100000",
        });
        await using var doomed = ServiceProcess.Start("MessageService", "Live.MessageService", settings);
        await using var survivor = ServiceProcess.Start("MessageService", "Live.MessageService", settings);
        await Task.WhenAll(doomed.WaitUntilReadyAsync(TimeSpan.FromSeconds(60)), survivor.WaitUntilReadyAsync(TimeSpan.FromSeconds(60)));
        await using var edgeA = await cluster.StartEdgeAsync(doomed.GrpcAddress,
            new Dictionary<string, string?> { ["Services:MessageServiceFallbacks"] = survivor.GrpcAddress.ToString() });
        await using var edgeB = await cluster.StartEdgeAsync(survivor.GrpcAddress,
            new Dictionary<string, string?> { ["Services:MessageServiceFallbacks"] = doomed.GrpcAddress.ToString() });
        TestHost[] edges = [edgeA, edgeB];

        await using var roomOne = await ChaosRoom.OpenAsync(cluster, "chaos kill one", 601, Patience, edges);
        await using var roomTwo = await ChaosRoom.OpenAsync(cluster, "chaos kill two", 621, Patience, edges);
        ChaosRoom[] rooms = [roomOne, roomTwo];
        using var doomedChannel = GrpcChannel.ForAddress(doomed.GrpcAddress);
        using var survivorChannel = GrpcChannel.ForAddress(survivor.GrpcAddress);
        GrpcChannel[] nodes = [doomedChannel, survivorChannel];

        var acknowledged = new ConcurrentBag<(long Room, long Seq, string Content)>();
        using var stopPublishing = new CancellationTokenSource();
        var publishers = Enumerable.Range(0, PublishLoops)
            .Select(loop => Task.Run(() => PublishAsync(loop, new MessageServiceClient(nodes[loop % 2]), rooms[loop / 2 % 2].Id, acknowledged, stopPublishing.Token)))
            .ToList();
        foreach (var room in rooms)
        {
            room.Senders.ForEach(s => s.Start());
        }

        await Task.Delay(2_000);
        var before = acknowledged.Count;
        var rate = Stopwatch.StartNew();
        await Task.Delay(1_000);
        var offeredPerSecond = (acknowledged.Count - before) / rate.Elapsed.TotalSeconds;

        await doomed.KillAsync();
        var killed = Stopwatch.StartNew();
        foreach (var room in rooms)
        {
            room.Senders.ForEach(s => s.Phase = "after-kill");
        }

        // The sender on Edge A (senders[0]) only reaches its room through the survivor once A's stream moved.
        foreach (var room in rooms)
        {
            foreach (var viewer in room.Viewers)
            {
                await viewer.UntilAsync(e => e.Content.StartsWith("after-kill s0 ", StringComparison.Ordinal), Patience);
            }
        }

        var failover = killed.Elapsed;
        await Task.Delay(1_000);
        await stopPublishing.CancelAsync();
        await Task.WhenAll(publishers);
        foreach (var room in rooms)
        {
            await Task.WhenAll(room.Senders.Select(s => s.StopAsync()));
        }

        // The survivor hands over once the killed node's heartbeat has lapsed (Messages:NodeTtlMs, 5 s) and it has read the
        // topic back, which can come after everything above; the topic is read after it, so what it produced is counted.
        var handOver = await WarningAsync(survivor, "\"EventId\":7091", TimeSpan.FromSeconds(30));
        Assert.True(handOver is not null, "the survivor did not report handing over the killed node's records (event 7091)");

        var survivorClient = new MessageServiceClient(survivorChannel);
        var kafkaMissing = 0;
        foreach (var room in rooms)
        {
            var marker = "marker " + Guid.NewGuid().ToString("N");
            var last = (await survivorClient.PublishAsync(new PublishRequest { RoomId = room.Id, Kind = MessageKind.System, Content = marker },
                deadline: DateTime.UtcNow.AddSeconds(10))).Seq;
            var ours = acknowledged.Where(a => a.Room == room.Id).ToList();
            foreach (var (viewer, index) in room.Viewers.Select((v, i) => (v, i)))
            {
                await viewer.UntilAsync(e => e.Content == marker, Patience);
                var who = $"viewer {index} of room {room.Id}";
                ViewerLog.AssertGaplessOrTold(viewer.Seen, who);

                // Every accepted message is in Redis history, so a resume after the kill recovers all of it.
                Assert.DoesNotContain(viewer.Seen.SkipWhile(e => !ViewerLog.IsMessage(e)), e => e.Type == FrameType.NotRecovered);
                Assert.DoesNotContain(viewer.Seen, e => e.IsClose && e.CloseStatus != 1001);
                var seen = viewer.Seen.Where(ViewerLog.IsMessage).GroupBy(e => e.Seq).ToDictionary(g => g.Key, g => g.First().Content);
                foreach (var (_, seq, content) in ours.Where(a => seen.Count > 0 && a.Seq >= seen.Keys.Min()))
                {
                    Assert.True(seen.TryGetValue(seq, out var shown) && shown == content, $"{who}: acknowledged seq {seq} ('{content}') not shown as sent");
                }
            }

            var key = room.Id.ToString(CultureInfo.InvariantCulture);
            var records = (await KafkaTopicReader.ReadAsync(Topic, r => r.Message.Key == key, (int)last, TimeSpan.FromSeconds(20), kafka.Bootstraps))
                .Select(r => RoomMessage.Parser.ParseFrom(r.Message.Value)).ToList();
            var twice = records.GroupBy(r => r.Seq).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
            Assert.True(twice.Count == 0, $"room {room.Id}: seq {string.Join(", ", twice)} in the topic more than once");
            var inTopic = records.Select(r => r.Seq).ToHashSet();
            kafkaMissing += ours.Count(a => !inTopic.Contains(a.Seq));
        }

        foreach (var sender in rooms.SelectMany(r => r.Senders))
        {
            Assert.DoesNotContain(sender.Answers, e => e.IsClose && e.CloseStatus != 1001);
        }

        edgeA.Logs.AssertNoErrors();
        edgeB.Logs.AssertNoErrors();
        Assert.True(failover < FailoverPromise, $"Edge A carried its rooms again {failover.TotalSeconds:F1} s after the kill");
        Figures.Record("E: accepted messages per second before the kill (publishers only)", offeredPerSecond.ToString("F0", CultureInfo.InvariantCulture));
        Figures.Record("E: after the kill, Edge A's senders reached every viewer again after", failover);
        Figures.Record("E: acknowledged messages, acknowledged but missing from Kafka", $"{acknowledged.Count}, {kafkaMissing}");
        Figures.Record("E: the survivor's hand-over", System.Text.Json.JsonDocument.Parse(handOver).RootElement.GetProperty("Message").GetString()!);
        Assert.Equal(0, kafkaMissing);
    }

    /// <summary>The first warning of <paramref name="process"/> that contains <paramref name="text"/>, waited for up to <paramref name="patience"/>.</summary>
    private static async Task<string?> WarningAsync(ServiceProcess process, string text, TimeSpan patience)
    {
        var deadline = DateTime.UtcNow + patience;
        while (true)
        {
            var warning = process.Warnings.FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal));
            if (warning is not null || DateTime.UtcNow > deadline)
            {
                return warning;
            }

            await Task.Delay(200);
        }
    }

    /// <summary>Publishes to one room through one node until stopped or the node is gone; keeps what was answered.</summary>
    private static async Task PublishAsync(int loop, MessageServiceClient client, long roomId,
        ConcurrentBag<(long, long, string)> acknowledged, CancellationToken stop)
    {
        var interval = TimeSpan.FromSeconds(PublishLoops / OfferedPerSecond);
        var clock = Stopwatch.StartNew();
        for (var n = 1; !stop.IsCancellationRequested; n++)
        {
            var content = string.Create(CultureInfo.InvariantCulture, $"pub p{loop} {n}");
            try
            {
                var answer = await client.PublishAsync(new PublishRequest { RoomId = roomId, Kind = MessageKind.Danmaku, UserId = 600, UserName = "p", Content = content },
                    deadline: DateTime.UtcNow.AddSeconds(5), cancellationToken: CancellationToken.None);
                acknowledged.Add((roomId, answer.Seq, content));
            }
            catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Internal or StatusCode.Cancelled)
            {
                return; // its node was killed: not answered, so nothing is promised about this one
            }

            var due = interval * n - clock.Elapsed;
            try
            {
                if (due > TimeSpan.Zero)
                {
                    await Task.Delay(due, stop);
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
