using System.Diagnostics;
using Grpc.Core;
using Live.Testing;
using Live.V1;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace Live.Realtime.Tests;

/// <summary>
/// The failover test's own collection, run alone after the parallel ones: a forced failover answers READONLY for a
/// moment to every caller with a key in the demoted master's slots and loses its unreplicated writes, which the
/// tests of another collection running beside it (moderation counters, rejection logs) would see as their own failures.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RedisClusterFailoverCollection : ICollectionFixture<RedisClusterFailoverFixture>
{
    public const string Name = "redis-cluster-failover";
}

/// <summary>The real-time core for the failover test, started only in the Redis Cluster pass (the other skips the test).</summary>
public sealed class RedisClusterFailoverFixture : IAsyncLifetime
{
    public RealtimeFixture Realtime { get; } = new();

    public Task InitializeAsync() => TestEnvironment.RedisIsCluster ? Realtime.InitializeAsync() : Task.CompletedTask;

    public Task DisposeAsync() => TestEnvironment.RedisIsCluster ? Realtime.DisposeAsync() : Task.CompletedTask;
}

/// <summary>
/// A Redis Cluster master failover during traffic (issue 9), in the Redis Cluster pass of ./platform test. The
/// replica of the master that holds a room's slot is promoted with CLUSTER FAILOVER FORCE — no handshake with its
/// master, so writes it had not replicated are lost, as after a crash — while messages flow through two
/// MessageServices to viewers on two Edges. Expected: every publish answers within a few seconds (accepted or
/// UNAVAILABLE, never a hang); traffic resumes without restarting anything; every viewer ends gapless or was told
/// (a not-recovered frame); afterwards the old master takes its role back, so the cluster is as it was.
/// </summary>
[Collection(RedisClusterFailoverCollection.Name)]
public sealed class RedisClusterFailoverTests(RedisClusterFailoverFixture failover, ITestOutputHelper output) : IAsyncLifetime
{
    private readonly RealtimeFixture fixture = failover.Realtime;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private TestHost messagesA = null!;
    private TestHost messagesB = null!;
    private TestHost edgeA = null!;
    private TestHost edgeB = null!;

    public async Task InitializeAsync()
    {
        if (!TestEnvironment.RedisIsCluster)
        {
            return;
        }

        messagesA = await fixture.StartMessageServiceAsync();
        messagesB = await fixture.StartMessageServiceAsync();
        edgeA = await fixture.StartEdgeAsync(messagesA);
        edgeB = await fixture.StartEdgeAsync(messagesB);
    }

    public async Task DisposeAsync()
    {
        foreach (var host in new[] { edgeA, edgeB, messagesA, messagesB })
        {
            if (host is not null)
            {
                await host.DisposeAsync();
            }
        }
    }

    [RedisClusterFact]
    public async Task A_master_failover_during_traffic_fails_fast_resumes_by_itself_and_leaves_every_viewer_gapless_or_told()
    {
        var room = await fixture.CreateLiveRoomAsync();
        await using var viewerA = await FollowerAsync(edgeA, room.Id, 301);
        await using var viewerB = await FollowerAsync(edgeB, room.Id, 302);
        var messages = new Live.V1.MessageService.MessageServiceClient(messagesA.Channel);
        var first = await messages.PublishAsync(new PublishRequest { RoomId = room.Id, Kind = MessageKind.System, Content = "first" });
        var starts = new List<(long Epoch, long Seq)>();
        foreach (var viewer in new[] { viewerA, viewerB })
        {
            var seen = await viewer.UntilAsync(e => e.Content == "first", Patience);
            starts.Add((seen.Last(e => e.Type == Live.Protocol.FrameType.Resume).Epoch, first.Seq));
        }

        await using var admin = await ConnectionMultiplexer.ConnectAsync(TestEnvironment.Redis + ",allowAdmin=true");
        var (master, replica) = await SlotOwnersAsync(admin, $"room:{{{room.Id}}}:msg-seq");

        using var stop = new CancellationTokenSource();
        var publishers = new[] { messagesA, messagesB }.Select(host => PublishUntilAsync(host, room.Id, stop.Token)).ToArray();
        await Task.Delay(TimeSpan.FromSeconds(2));

        var failover = Stopwatch.StartNew();
        await admin.GetServer(replica).ExecuteAsync("CLUSTER", "FAILOVER", "FORCE");
        await UntilAsync(async () => !(await RoleOfAsync(admin, replica)).IsReplica, "the replica to become master");
        var promotedAfter = failover.Elapsed;
        var acceptedAtFailover = publishers.Sum(p => p.Accepted);
        await UntilAsync(() => Task.FromResult(publishers.Sum(p => p.Accepted) >= acceptedAtFailover + 100), "100 messages accepted after the failover");
        var resumedAfter = failover.Elapsed;
        await stop.CancelAsync();
        var outcomes = (await Task.WhenAll(publishers.Select(p => p.Done))).SelectMany(o => o).ToList();

        var last = await messages.PublishAsync(new PublishRequest { RoomId = room.Id, Kind = MessageKind.System, Content = "last" });
        foreach (var (viewer, start) in new[] { viewerA, viewerB }.Zip(starts))
        {
            var seen = await viewer.UntilAsync(e => e.Content == "last", Patience);
            StreamWalk.AssertNoSilentGapOrRepeat(seen, start.Epoch, start.Seq);
            Assert.Equal(last.Seq, seen[^1].Seq);
        }

        var slowest = outcomes.Max(o => o.Took);
        var refused = outcomes.Where(o => o.Status != StatusCode.OK).ToList();
        output.WriteLine($"promoted after {promotedAfter.TotalMilliseconds:F0} ms; 100 more accepted after {resumedAfter.TotalMilliseconds:F0} ms; "
            + $"{outcomes.Count} publishes, {refused.Count} refused ({string.Join(", ", refused.GroupBy(o => o.Status).Select(g => $"{g.Key} {g.Count()}"))}), slowest {slowest.TotalMilliseconds:F0} ms; "
            + $"viewer reconnects {viewerA.Reconnects}/{viewerB.Reconnects}");
        Assert.All(refused, o => Assert.Equal(StatusCode.Unavailable, o.Status));
        Assert.True(slowest < TimeSpan.FromSeconds(5), $"a publish took {slowest.TotalMilliseconds:F0} ms");

        await RestoreAsync(admin, master);
    }

    /// <summary>
    /// Back to the topology the other tests expect: the old master, once it replicates from the new one, takes
    /// over again gracefully (asked again if a try times out, as a manual failover can while the replica syncs).
    /// </summary>
    private static async Task RestoreAsync(ConnectionMultiplexer admin, System.Net.EndPoint master)
    {
        var server = admin.GetServer(master);
        await UntilAsync(async () => (await server.InfoRawAsync("replication") ?? string.Empty).Contains("master_link_status:up", StringComparison.Ordinal),
            "the old master to replicate from the new one");
        for (var attempt = 1; ; attempt++)
        {
            await server.ExecuteAsync("CLUSTER", "FAILOVER");
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (DateTime.UtcNow < deadline)
            {
                if (!(await RoleOfAsync(admin, master)).IsReplica)
                {
                    return;
                }

                await Task.Delay(100);
            }

            Assert.True(attempt < 3, "the old master did not take its role back after three manual failovers");
        }
    }

    private Task<FollowingViewer> FollowerAsync(TestHost edge, long roomId, long userId) =>
        FollowingViewer.StartAsync(query => RoomClient.ConnectAsync(fixture.WebSocketUri(edge, roomId, query), userId: userId));

    /// <summary>The master that holds the key's slot and its replica.</summary>
    private static async Task<(System.Net.EndPoint Master, System.Net.EndPoint Replica)> SlotOwnersAsync(ConnectionMultiplexer admin, string key)
    {
        var master = await admin.GetDatabase().IdentifyEndpointAsync(key) ?? throw new InvalidOperationException($"no endpoint for {key}");
        var nodes = admin.GetServer(master).ClusterConfiguration ?? throw new InvalidOperationException("not a cluster");
        var masterNode = nodes[master] ?? throw new InvalidOperationException($"{master} is not in the cluster configuration");
        var replica = nodes.Nodes.FirstOrDefault(n => n.ParentNodeId == masterNode.NodeId)?.EndPoint
            ?? throw new InvalidOperationException($"{master} has no replica");
        return (master, replica);
    }

    private static async Task<ClusterNode> RoleOfAsync(ConnectionMultiplexer admin, System.Net.EndPoint node)
    {
        var nodes = await admin.GetServer(node).ClusterNodesAsync();
        return nodes?[node] ?? throw new InvalidOperationException($"{node} is not in its own cluster view");
    }

    private static async Task UntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"waited {Patience.TotalSeconds:F0} s for {what}");
            await Task.Delay(50);
        }
    }

    private static Publisher PublishUntilAsync(TestHost host, long roomId, CancellationToken stop) => new(host, roomId, stop);

    private sealed record Outcome(StatusCode Status, TimeSpan Took);

    /// <summary>Publishes one message after another (about 200/s) until stopped, timing each answer.</summary>
    private sealed class Publisher
    {
        private int accepted;

        public Publisher(TestHost host, long roomId, CancellationToken stop) => Done = RunAsync(host, roomId, stop);

        public int Accepted => Volatile.Read(ref accepted);

        public Task<List<Outcome>> Done { get; }

        private async Task<List<Outcome>> RunAsync(TestHost host, long roomId, CancellationToken stop)
        {
            var client = new Live.V1.MessageService.MessageServiceClient(host.Channel);
            var outcomes = new List<Outcome>();
            for (var i = 1; !stop.IsCancellationRequested; i++)
            {
                var started = Stopwatch.GetTimestamp();
                var status = StatusCode.OK;
                try
                {
                    await client.PublishAsync(new PublishRequest { RoomId = roomId, Kind = MessageKind.System, Content = $"m {i}" },
                        deadline: DateTime.UtcNow.AddSeconds(10));
                    Interlocked.Increment(ref accepted);
                }
                catch (RpcException ex)
                {
                    status = ex.StatusCode;
                }

                outcomes.Add(new Outcome(status, Stopwatch.GetElapsedTime(started)));
                await Task.Delay(status == StatusCode.OK ? 5 : 50, CancellationToken.None);
            }

            return outcomes;
        }
    }
}
