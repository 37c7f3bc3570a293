using System.ComponentModel.DataAnnotations;
using System.Diagnostics.Metrics;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Live.Kafka;
using Microsoft.Extensions.Options;

namespace Live.MessageService.Telemetry;

public sealed class ConsumerLagOptions
{
    public const string Section = "ConsumerLag";

    /// <summary>Consumer groups to watch, each with the topics it reads (e.g. "stats-service": ["live-messages", ...]).</summary>
    public Dictionary<string, string[]> Groups { get; set; } = new(StringComparer.Ordinal);

    [Range(1_000, 600_000)]
    public int IntervalMs { get; set; } = 15_000;
}

/// <summary>
/// Exports how far each watched consumer group is behind its topics (<c>live.kafka.consumer.lag</c>, records, by
/// group and topic): the sum over partitions of the latest offset minus the group's committed one (or the
/// earliest retained offset where it never committed). It runs beside the producer of the platform's main topic
/// rather than inside the consumer, because the case that matters most is a consumer that is not running at all:
/// its own process would then export nothing.
/// </summary>
public sealed class ConsumerLagMonitor : BackgroundService
{
    private readonly KafkaOptions kafka;
    private readonly ConsumerLagOptions settings;
    private readonly ILogger<ConsumerLagMonitor> logger;
    private readonly Meter meter;
    private volatile Measurement<long>[] lags = [];
    private bool failing;

    public ConsumerLagMonitor(IOptions<KafkaOptions> kafka, IOptions<ConsumerLagOptions> options, IMeterFactory meterFactory, ILogger<ConsumerLagMonitor> logger)
    {
        this.kafka = kafka.Value;
        settings = options.Value;
        this.logger = logger;
        meter = meterFactory.Create(MessageMetrics.Name + ".ConsumerLag");
        meter.CreateObservableGauge("live.kafka.consumer.lag", () => lags, unit: "{record}",
            description: "Records a consumer group has yet to commit, by group and topic (summed over partitions).");
    }

    public override void Dispose()
    {
        base.Dispose();
        meter.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (settings.Groups.Count == 0)
        {
            return;
        }

        KafkaNativeLibrary.Load(kafka.NativeLibraryPath);
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = kafka.BootstrapServers, SocketTimeoutMs = 5_000 })
            .SetLogHandler((_, _) => { })
            .SetErrorHandler((_, _) => { })
            .Build();
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(settings.IntervalMs));
        do
        {
            try
            {
                lags = await MeasureAsync(admin, stoppingToken);
                if (failing)
                {
                    failing = false;
                    ConsumerLagLog.Recovered(logger);
                }
            }
            catch (Exception ex) when (ex is KafkaException or TimeoutException)
            {
                // The last figures stay exported: a lag that cannot be measured is not a lag that went away.
                if (!failing)
                {
                    failing = true;
                    ConsumerLagLog.Failed(logger, ex.Message);
                }
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task<Measurement<long>[]> MeasureAsync(IAdminClient admin, CancellationToken cancellationToken)
    {
        var timeout = TimeSpan.FromSeconds(5);
        var metadata = await Task.Run(() => admin.GetMetadata(timeout), cancellationToken);
        var partitionsOf = metadata.Topics
            .Where(t => !t.Error.IsError)
            .ToDictionary(t => t.Topic, t => t.Partitions.Select(p => new TopicPartition(t.Topic, p.PartitionId)).ToList(), StringComparer.Ordinal);

        var all = partitionsOf.Values.SelectMany(p => p).ToList();
        if (all.Count == 0)
        {
            return [];
        }

        var latest = await OffsetsAsync(admin, all, OffsetSpec.Latest());
        var earliest = await OffsetsAsync(admin, all, OffsetSpec.Earliest());
        var result = new List<Measurement<long>>();
        foreach (var (group, topics) in settings.Groups)
        {
            var partitions = topics.Where(partitionsOf.ContainsKey).SelectMany(t => partitionsOf[t]).ToList();
            if (partitions.Count == 0)
            {
                continue;
            }

            var committed = await admin.ListConsumerGroupOffsetsAsync(
                [new ConsumerGroupTopicPartitions(group, partitions)],
                new ListConsumerGroupOffsetsOptions { RequestTimeout = timeout });
            var position = committed.Single().Partitions.ToDictionary(p => p.TopicPartition, p => p.Offset.Value);
            foreach (var topic in topics.Where(partitionsOf.ContainsKey))
            {
                long lag = 0;
                foreach (var partition in partitionsOf[topic])
                {
                    var from = position.TryGetValue(partition, out var offset) && offset >= 0 ? offset : earliest.GetValueOrDefault(partition);
                    lag += Math.Max(0, latest.GetValueOrDefault(partition) - from);
                }

                result.Add(new Measurement<long>(lag, new KeyValuePair<string, object?>("group", group), new KeyValuePair<string, object?>("topic", topic)));
            }
        }

        return [.. result];
    }

    private static async Task<Dictionary<TopicPartition, long>> OffsetsAsync(IAdminClient admin, List<TopicPartition> partitions, OffsetSpec spec)
    {
        var answer = await admin.ListOffsetsAsync(
            partitions.Select(p => new TopicPartitionOffsetSpec { TopicPartition = p, OffsetSpec = spec }),
            new ListOffsetsOptions { RequestTimeout = TimeSpan.FromSeconds(5) });
        return answer.ResultInfos.ToDictionary(r => r.TopicPartitionOffsetError.TopicPartition, r => r.TopicPartitionOffsetError.Offset.Value);
    }
}

internal static partial class ConsumerLagLog
{
    [LoggerMessage(EventId = 7060, Level = LogLevel.Warning, Message = "Consumer lag could not be measured ({Reason}); the last figures stay exported")]
    public static partial void Failed(ILogger logger, string reason);

    [LoggerMessage(EventId = 7061, Level = LogLevel.Information, Message = "Consumer lag is measured again")]
    public static partial void Recovered(ILogger logger);
}
