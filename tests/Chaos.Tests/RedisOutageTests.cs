using System.Diagnostics;
using Live.Edge.Relay;
using Live.MessageService.Ingest;
using Live.Protocol;
using Live.Realtime.Tests;
using Live.Testing;
using Live.V1;
using Microsoft.Extensions.DependencyInjection;

namespace Live.Chaos.Tests;

/// <summary>
/// Scenario B: Redis (a redis-server of the test's own, without persistence, under both MessageServices) stops
/// during traffic from senders on both Edges and comes back. RoomService keeps the shared Redis: this is the
/// message path's outage.
/// </summary>
public sealed class RedisOutageTests : IAsyncLifetime
{
    /// <summary>How soon a sender hears that its message cannot be taken.</summary>
    private static readonly TimeSpan ErrorPromise = TimeSpan.FromSeconds(3);

    /// <summary>How soon after Redis is back a message sent then reaches every viewer.</summary>
    private static readonly TimeSpan RecoveryPromise = TimeSpan.FromSeconds(15);

    /// <summary>Managed heap growth allowed during the outage for the whole test process (all hosts and clients).</summary>
    private const long HeapGrowthBound = 256L * 1024 * 1024;

    private PrivateRedis redis = null!;
    private RealtimeCluster cluster = null!;

    public async Task InitializeAsync()
    {
        redis = await PrivateRedis.StartAsync();
        cluster = await new RealtimeClusterBuilder("chaos_redis")
            .WithMessageServiceSettings(new Dictionary<string, string?>
            {
                ["ConnectionStrings:Redis"] = redis.ConnectionString,
                ["Moderation:MessagesPerSecond"] = "10000",
                ["Moderation:Burst"] = "10000",
                ["Moderation:DuplicateWindowMs"] = "0",
            })
            .ExpectingErrors(IsRedisOutageReport)
            .StartAsync();
    }

    /// <summary>The health check reporting Redis unhealthy is logged as an error by ASP.NET Core: the outage seen, as it should be.</summary>
    private static bool IsRedisOutageReport(LogCollector.LogEntry entry) =>
        entry.Category == "Microsoft.Extensions.Diagnostics.HealthChecks.DefaultHealthCheckService"
        && entry.Exception is StackExchange.Redis.RedisException;

    public async Task DisposeAsync()
    {
        await cluster.DisposeAsync();
        await redis.DisposeAsync();
    }

    [Fact(Timeout = 120_000)]
    public Task Redis_down_5s_senders_get_an_unavailable_error_fast_traffic_resumes_viewers_are_gapless_or_told_queues_stay_bounded() =>
        RunOutageAsync(TimeSpan.FromSeconds(5));

    [SoakFact(Timeout = 180_000)]
    public Task Redis_down_30s_senders_get_an_unavailable_error_fast_traffic_resumes_viewers_are_gapless_or_told_queues_stay_bounded() =>
        RunOutageAsync(TimeSpan.FromSeconds(30));

    private async Task RunOutageAsync(TimeSpan outage)
    {
        var patience = outage + TimeSpan.FromSeconds(30);
        await using var room = await ChaosRoom.OpenAsync(cluster, "chaos", 301, patience);
        var viewers = room.Viewers;
        var senders = room.Senders;
        senders.ForEach(s => s.Start());
        await Task.Delay(1_000);

        var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        var stoppedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        senders.ForEach(s => s.Phase = "during");
        await redis.StopAsync();
        var peaks = await SampleBoundsAsync(outage);
        senders.ForEach(s => s.Phase = "after");
        await redis.StartAgainAsync();
        var backAt = Stopwatch.StartNew();

        // Traffic resumes: a message each sender sends after Redis is back reaches every viewer.
        foreach (var viewer in viewers)
        {
            foreach (var sender in senders)
            {
                await viewer.UntilAsync(e => e.Content.StartsWith("after " + sender.Name + " ", StringComparison.Ordinal), RecoveryPromise);
            }
        }

        var recovered = backAt.Elapsed;
        await Task.WhenAll(senders.Select(s => s.StopAsync()));
        var marker = await PublishMarkerAsync(room.Id);
        foreach (var (viewer, index) in viewers.Select((v, i) => (v, i)))
        {
            await viewer.UntilAsync(e => e.Content == marker, patience);
            ViewerLog.AssertGaplessOrTold(viewer.Seen, "viewer " + index);
            Assert.DoesNotContain(viewer.Seen, e => e.IsClose && e.CloseStatus != 1001);
        }

        foreach (var sender in senders)
        {
            var refusals = sender.Answers.Where(e => e.Type == FrameType.Error).ToList();
            var firstUnavailable = refusals.FirstOrDefault(e => e.Seq == (long)ErrorCode.Unavailable);
            Assert.True(firstUnavailable is not null, $"{sender.Name} got no 'unavailable' error frame: {string.Join("; ", refusals.Select(e => e.Reason))}");
            var errorAfter = TimeSpan.FromMilliseconds(firstUnavailable.ReceivedAtMs - stoppedAt);
            Assert.True(errorAfter < ErrorPromise, $"{sender.Name}'s first 'unavailable' came {errorAfter.TotalSeconds:F1} s after Redis stopped");
            Assert.All(refusals, e => Assert.Contains(e.Seq, new long[] { (long)ErrorCode.Unavailable, (long)ErrorCode.Overloaded }));
            Assert.DoesNotContain(sender.Answers, e => e.IsClose && e.CloseStatus != 1001);
            Figures.Record($"B ({outage.TotalSeconds:F0} s): {sender.Name} first 'unavailable' after", errorAfter);
        }

        var heapGrowth = peaks.Heap - heapBefore;
        Assert.True(peaks.EdgeQueued <= cluster.Edges.Count * 2 * 65_536, $"Edge relay up-queues peaked at {peaks.EdgeQueued}");
        Assert.True(peaks.KafkaPending <= 200_000 * cluster.MessageServices.Count, $"Kafka queues peaked at {peaks.KafkaPending}");
        Assert.True(heapGrowth < HeapGrowthBound, $"the managed heap grew by {heapGrowth / 1048576} MiB during the outage");
        Figures.Record($"B ({outage.TotalSeconds:F0} s): every sender's messages reach every viewer again after", recovered);
        Figures.Record($"B ({outage.TotalSeconds:F0} s): peaks", $"Edge up-queue {peaks.EdgeQueued}, Kafka pending {peaks.KafkaPending}, heap +{heapGrowth / 1048576} MiB");
        Assert.True(recovered < RecoveryPromise);
    }

    /// <summary>Samples every 100 ms for <paramref name="duration"/>: the Edges' relay up-queues, the MessageServices' Kafka queues and the managed heap.</summary>
    private async Task<(long EdgeQueued, long KafkaPending, long Heap)> SampleBoundsAsync(TimeSpan duration)
    {
        var edges = cluster.Edges.Select(e => e.Services.GetRequiredService<RelayClient>()).ToList();
        var sinks = cluster.MessageServices.Select(m => m.Services.GetRequiredService<KafkaMessageSink>()).ToList();
        long edgeQueued = 0, kafkaPending = 0, heap = 0;
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < duration)
        {
            edgeQueued = Math.Max(edgeQueued, edges.Sum(e => (long)e.QueuedMessages));
            kafkaPending = Math.Max(kafkaPending, sinks.Sum(s => s.Pending));
            heap = Math.Max(heap, GC.GetTotalMemory(forceFullCollection: false));
            await Task.Delay(100);
        }

        return (edgeQueued, kafkaPending, heap);
    }

    /// <summary>A last message through MessageService.Publish, retried until Redis takes it again.</summary>
    private async Task<string> PublishMarkerAsync(long roomId)
    {
        var client = new MessageServiceClient(cluster.MessageServices[0].Channel);
        var marker = "marker " + Guid.NewGuid().ToString("N");
        await client.PublishAsync(new PublishRequest { RoomId = roomId, Kind = MessageKind.System, Content = marker }, deadline: DateTime.UtcNow.AddSeconds(10));
        return marker;
    }
}
