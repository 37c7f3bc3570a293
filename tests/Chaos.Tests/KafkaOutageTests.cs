using System.Diagnostics;
using Live.MessageService.Ingest;
using Live.Protocol;
using Live.Realtime.Tests;
using Live.Testing;
using Live.Tools.KafkaMock;
using Live.V1;
using Microsoft.Extensions.DependencyInjection;

namespace Live.Chaos.Tests;

/// <summary>
/// Scenario F: the Kafka broker under both MessageServices (a mock cluster of the test's own, which keeps its
/// records while its broker is down) stops during traffic and comes back. Real-time delivery does not depend on
/// Kafka; the records wait in a bounded queue and arrive once the broker is back; past the bound the oldest are
/// dropped, counted and logged.
/// </summary>
public sealed class KafkaOutageTests : IAsyncLifetime
{
    private const string Topic = "live-messages";
    private const int Broker = 1;
    private const int Heart = 2;
    private const int GiftsDuringOutage = 10;

    /// <summary>How soon after the broker is back every held record is in the topic.</summary>
    private static readonly TimeSpan CatchUpPromise = TimeSpan.FromSeconds(30);

    private MockCluster kafka = null!;

    public Task InitializeAsync()
    {
        kafka = new MockCluster(brokers: 1, libraryPath: null);
        foreach (var topic in new[] { "room-events", Topic, "gift-events", "orders", "commerce-sales" })
        {
            kafka.CreateTopic(topic, partitions: 4);
        }

        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        kafka.Dispose();
        return Task.CompletedTask;
    }

    [Fact(Timeout = 120_000)]
    public Task Kafka_down_5s_viewers_get_every_message_on_time_and_every_record_arrives_once_afterwards() =>
        RunOutageAsync(TimeSpan.FromSeconds(5));

    [SoakFact(Timeout = 180_000)]
    public Task Kafka_down_30s_viewers_get_every_message_on_time_and_every_record_arrives_once_afterwards() =>
        RunOutageAsync(TimeSpan.FromSeconds(30));

    [Fact(Timeout = 120_000)]
    public async Task Past_the_queue_bound_the_oldest_records_are_dropped_counted_and_logged_and_the_rest_arrive_once()
    {
        // A queue of 100 records (the least allowed) and a 1 s delivery timeout: a 5 s outage at 50 msg/s per
        // MessageService overflows it.
        const int capacity = 100;
        await using var cluster = await StartClusterAsync("chaos_kafka_bound", new Dictionary<string, string?>
        {
            ["Messages:KafkaQueueCapacity"] = capacity.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Kafka:MessageTimeoutMs"] = "1000",
        }, e => IsOutageReport(e) || IsDropReport(e));
        var run = await RunTrafficAsync(cluster, TimeSpan.FromSeconds(5));

        var sinks = cluster.MessageServices.Select(m => m.Services.GetRequiredService<KafkaMessageSink>()).ToList();
        var dropped = sinks.Sum(s => s.Dropped);
        Assert.True(dropped > 0, "nothing was dropped; the outage did not reach the bound");
        Assert.Contains(cluster.MessageServices.SelectMany(m => m.Logs.Entries), IsDropReport);

        // Every record not dropped arrives, once; the dropped ones are exactly the count the sinks report.
        var records = await ReadRoomAsync(run.RoomId, expected: run.LastSeq - (int)dropped);
        AssertNoDuplicates(records);
        Assert.Equal(run.LastSeq - dropped, records.Count);
        Figures.Record("F (bound 100, 5 s): records dropped, counted and logged", $"{dropped} of {run.LastSeq}");
    }

    private async Task RunOutageAsync(TimeSpan outage)
    {
        await using var cluster = await StartClusterAsync("chaos_kafka", new Dictionary<string, string?>(), IsOutageReport);

        // Gifts sent while the broker is down: debited in MariaDB with their outbox rows, published once it is back.
        var gifts = new GiftServiceClient(cluster.MessageServices[^1].Channel);
        var giver = Random.Shared.NextInt64(1_000_000, 9_000_000_000);
        await gifts.CreditWalletAsync(new CreditWalletRequest { UserId = giver, Amount = 1_000, IdempotencyKey = "chaos-credit-" + Guid.NewGuid().ToString("N") });
        var giftKeys = new List<string>();
        var run = await RunTrafficAsync(cluster, outage, async roomId =>
        {
            for (var i = 0; i < GiftsDuringOutage; i++)
            {
                var key = "chaos-gift-" + Guid.NewGuid().ToString("N");
                await gifts.SendGiftAsync(new SendGiftRequest { IdempotencyKey = key, RoomId = roomId, SenderUserId = giver, GiftId = Heart, Count = 1 },
                    deadline: DateTime.UtcNow.AddSeconds(5));
                giftKeys.Add(key);
            }
        });

        Assert.Equal(0, cluster.MessageServices.Sum(m => m.Services.GetRequiredService<KafkaMessageSink>().Dropped));
        Assert.True(run.PeakPending <= cluster.MessageServices.Count * 200_000L, $"the queues held {run.PeakPending} records");

        // Every accepted message of the room (seq 1..last) is in the topic exactly once.
        var records = await ReadRoomAsync(run.RoomId, expected: run.LastSeq);
        AssertNoDuplicates(records);
        Assert.Equal(Enumerable.Range(1, run.LastSeq).Select(i => (long)i), records.Select(r => r.Seq).Order());
        // The gift relay is at least once (consumers dedupe by idempotency key): every gift arrives; a copy is counted.
        var roomKey = run.RoomId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var giftRecords = await KafkaTopicReader.ReadAsync("gift-events", r => r.Message.Key == roomKey, giftKeys.Count, CatchUpPromise, kafka.Bootstraps);
        var published = giftRecords.Select(r => GiftEvent.Parser.ParseFrom(r.Message.Value).IdempotencyKey).ToList();
        Assert.Equal(giftKeys.Order(), published.Distinct().Order());
        Figures.Record($"F ({outage.TotalSeconds:F0} s): gifts sent during the outage, records in gift-events after", $"{giftKeys.Count}, {published.Count}");
        Figures.Record($"F ({outage.TotalSeconds:F0} s): every record in the topic after the broker's return", run.CaughtUp);
        Figures.Record($"F ({outage.TotalSeconds:F0} s): records held at the peak, messages sent during", $"{run.PeakPending}, {run.SentDuring}");
        Figures.Record($"F ({outage.TotalSeconds:F0} s): slowest delivery to a viewer during the outage", run.SlowestDuring);
    }

    private Task<RealtimeCluster> StartClusterAsync(string prefix, Dictionary<string, string?> settings, Func<LogCollector.LogEntry, bool> expected)
    {
        settings["Kafka:BootstrapServers"] = kafka.Bootstraps;
        settings["Moderation:MessagesPerSecond"] = "10000";
        settings["Moderation:Burst"] = "10000";
        settings["Moderation:DuplicateWindowMs"] = "0";
        return new RealtimeClusterBuilder(prefix)
            .WithMessageServiceSettings(settings)
            .ExpectingErrors(expected)
            .StartAsync();
    }

    private static bool IsDropReport(LogCollector.LogEntry entry) => entry.EventId.Id == 7011;

    /// <summary>
    /// The outage seen, as it should be: librdkafka's report of the broker it cannot reach (forwarded at its own
    /// level, error) and ASP.NET Core's error line for the unhealthy Kafka health check.
    /// </summary>
    private static bool IsOutageReport(LogCollector.LogEntry entry) =>
        (entry.Category.StartsWith("Live.Kafka.", StringComparison.Ordinal) && entry.EventId.Id == 100)
        || (entry.Category == "Microsoft.Extensions.Diagnostics.HealthChecks.DefaultHealthCheckService"
            && entry.Message.StartsWith("Health check kafka ", StringComparison.Ordinal));

    private sealed record TrafficRun(long RoomId, int LastSeq, int SentDuring, long PeakPending, TimeSpan SlowestDuring, TimeSpan CaughtUp);

    /// <summary>
    /// A sender on each Edge at 50 msg/s and a viewer on each; the broker goes down for <paramref name="outage"/>
    /// after a second of traffic and comes back. While it is down every viewer still gets every message within a
    /// second or two (the bound leaves room for a loaded CI machine; the figure is recorded), and no sender is
    /// refused. <paramref name="duringOutage"/> runs once the broker is down. Then a marker through Publish ends the
    /// room's traffic.
    /// </summary>
    private async Task<TrafficRun> RunTrafficAsync(RealtimeCluster cluster, TimeSpan outage, Func<long, Task>? duringOutage = null)
    {
        var patience = outage + TimeSpan.FromSeconds(30);
        await using var room = await ChaosRoom.OpenAsync(cluster, "chaos kafka", 401, patience);
        var viewers = room.Viewers;
        var senders = room.Senders;
        senders.ForEach(s => s.Start());
        await Task.Delay(1_000);

        var sinks = cluster.MessageServices.Select(m => m.Services.GetRequiredService<KafkaMessageSink>()).ToList();
        var sentBefore = senders.Sum(s => s.Sent);
        senders.ForEach(s => s.Phase = "during");
        kafka.SetBrokerDown(Broker);
        var down = Stopwatch.StartNew();
        if (duringOutage is not null)
        {
            await duringOutage(room.Id);
        }

        long peak = 0;
        while (down.Elapsed < outage)
        {
            peak = Math.Max(peak, sinks.Sum(s => s.Pending));
            await Task.Delay(100);
        }

        var sentDuring = senders.Sum(s => s.Sent) - sentBefore;
        senders.ForEach(s => s.Phase = "after");
        kafka.SetBrokerUp(Broker);
        var up = Stopwatch.StartNew();

        await Task.WhenAll(senders.Select(s => s.StopAsync()));
        var marker = "marker " + Guid.NewGuid().ToString("N");
        var published = await new MessageServiceClient(cluster.MessageServices[0].Channel).PublishAsync(
            new PublishRequest { RoomId = room.Id, Kind = MessageKind.System, Content = marker }, deadline: DateTime.UtcNow.AddSeconds(10));

        var slowest = TimeSpan.Zero;
        foreach (var (viewer, index) in viewers.Select((v, i) => (v, i)))
        {
            await viewer.UntilAsync(e => e.Content == marker, patience);
            ViewerLog.AssertGaplessOrTold(viewer.Seen, "viewer " + index);
            // The room's first epoch is announced to a viewer who joined before its first message; after
            // that, Kafka's outage must not move anyone.
            Assert.DoesNotContain(viewer.Seen.SkipWhile(e => !ViewerLog.IsMessage(e)), e => e.Type == FrameType.NotRecovered);
            var during = viewer.Seen.Where(e => e.Content.StartsWith("during ", StringComparison.Ordinal)).ToList();
            Assert.NotEmpty(during);
            var late = during.Max(e => e.ReceivedAtMs - e.TimestampMs);
            Assert.True(late < 2_000, $"viewer {index} got a message {late} ms after it was accepted while Kafka was down");
            slowest = TimeSpan.FromMilliseconds(Math.Max(slowest.TotalMilliseconds, late));
        }

        foreach (var sender in senders)
        {
            Assert.DoesNotContain(sender.Answers, e => e.Type == FrameType.Error);
            Assert.DoesNotContain(sender.Answers, e => e.IsClose);
        }

        // Back: the held records drain (a drop takes a record out of Pending as well).
        while (sinks.Sum(s => s.Pending) > 0)
        {
            Assert.True(up.Elapsed < CatchUpPromise, $"{sinks.Sum(s => s.Pending)} record(s) still held {up.Elapsed.TotalSeconds:F0} s after the broker came back");
            await Task.Delay(100);
        }

        return new TrafficRun(room.Id, (int)published.Seq, sentDuring, peak, slowest, up.Elapsed);
    }

    private async Task<List<RoomMessage>> ReadRoomAsync(long roomId, int expected)
    {
        var key = roomId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var found = await KafkaTopicReader.ReadAsync(Topic, r => r.Message.Key == key, expected, TimeSpan.FromSeconds(20), kafka.Bootstraps);
        return found.Select(r => RoomMessage.Parser.ParseFrom(r.Message.Value)).ToList();
    }

    private static void AssertNoDuplicates(List<RoomMessage> records)
    {
        var twice = records.GroupBy(r => r.Seq).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(twice.Count == 0, $"seq {string.Join(", ", twice)} in the topic more than once");
    }
}
