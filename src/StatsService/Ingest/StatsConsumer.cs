using System.Diagnostics;
using Confluent.Kafka;
using Google.Protobuf;
using Live.ServiceDefaults.Kafka;
using Live.StatsService.Rollups;
using Live.StatsService.Telemetry;
using Microsoft.Extensions.Options;

namespace Live.StatsService.Ingest;

/// <summary>
/// Consumes `live-messages`, `room-events` and `gift-events` in one consumer group. Records are gathered into
/// a batch (<see cref="StatsOptions.MaxBatchRecords"/> or <see cref="StatsOptions.MaxBatchDelayMs"/>), the
/// batch's effects are applied to Redis and MySQL — each store idempotent through per-partition watermarks —
/// and only then are the offsets committed. A crash anywhere re-reads from the last commit and the watermarks
/// skip what was already applied, so a restart or a rewind leaves the same state as one clean pass.
/// </summary>
public sealed class StatsConsumer(
    IOptions<KafkaOptions> kafka,
    IOptions<StatsOptions> options,
    RedisEffectWriter redisEffects,
    RollupWriter rollups,
    StatsMetrics metrics,
    ILogger<StatsConsumer> logger) : BackgroundService
{
    private readonly StatsOptions settings = options.Value;
    private readonly Dictionary<string, StatsTopic> topics = new(StringComparer.Ordinal)
    {
        [options.Value.LiveMessagesTopic] = StatsTopic.LiveMessages,
        [options.Value.RoomEventsTopic] = StatsTopic.RoomEvents,
        [options.Value.GiftEventsTopic] = StatsTopic.GiftEvents,
    };

    // Slices of the batch being gathered, by partition; a revoked partition's slice is dropped.
    private readonly Dictionary<TopicPartition, PartitionSlice> pending = [];

    /// <summary>Records whose effects are applied and whose offsets are committed, since start.</summary>
    public long Processed => Interlocked.Read(ref processed);

    private long processed;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        // librdkafka's consumer calls block; the loop gets a thread of its own instead of a pool thread.
        Task.Factory.StartNew(() => Run(stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Run(CancellationToken stoppingToken)
    {
        KafkaNativeLibrary.Load(kafka.Value.NativeLibraryPath);
        using var consumer = Build();
        consumer.Subscribe(topics.Keys);
        Log.ConsumerStarted(logger, settings.ConsumerGroup, string.Join(",", topics.Keys));
        var failures = 0;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                Gather(consumer, stoppingToken);
                if (pending.Count == 0)
                {
                    continue;
                }

                var slices = pending.Values.ToList();
                try
                {
                    Apply(slices);
                    Commit(consumer, slices);
                    failures = 0;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // Nothing was committed: rewind to the batch's start and try again after a pause, while the
                    // consumer keeps polling (so the group does not expire it during a long outage).
                    failures++;
                    var delay = TimeSpan.FromMilliseconds(Math.Min(5_000, 200 * (1 << Math.Min(failures, 5))));
                    Log.ApplyFailed(logger, slices.Sum(s => s.Facts.Count), (int)delay.TotalMilliseconds, ex);
                    metrics.ApplyFailed();
                    foreach (var slice in slices)
                    {
                        consumer.Seek(new TopicPartitionOffset(slice.Partition, slice.FirstOffset));
                    }

                    stoppingToken.WaitHandle.WaitOne(delay);
                }

                pending.Clear();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping between batches: everything applied is committed already.
        }
        finally
        {
            consumer.Close();
        }
    }

    private IConsumer<Ignore, byte[]> Build()
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = kafka.Value.BootstrapServers,
            GroupId = settings.ConsumerGroup,
            ClientId = StatsServiceApp.ServiceName,
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnablePartitionEof = false,
            SessionTimeoutMs = 10_000,
            // Larger fetches keep a busy consumer fed between batches.
            FetchMaxBytes = 16 * 1024 * 1024,
            MaxPartitionFetchBytes = 4 * 1024 * 1024,
            QueuedMinMessages = 50_000,
        };
        return new ConsumerBuilder<Ignore, byte[]>(config)
            .SetLogHandler((_, message) => Log.Librdkafka(logger, message.Facility, message.Message))
            .SetErrorHandler((_, error) => Log.ConsumerError(logger, error.Code, error.Reason))
            .SetPartitionsAssignedHandler((_, assigned) =>
            {
                redisEffects.Forget(assigned);
                Log.PartitionsAssigned(logger, string.Join(",", assigned));
            })
            .SetPartitionsRevokedHandler((_, revoked) =>
            {
                var partitions = revoked.Select(p => p.TopicPartition).ToList();
                foreach (var partition in partitions)
                {
                    pending.Remove(partition);
                }

                redisEffects.Forget(partitions);
                Log.PartitionsRevoked(logger, string.Join(",", partitions));
            })
            .SetPartitionsLostHandler((_, lost) =>
            {
                var partitions = lost.Select(p => p.TopicPartition).ToList();
                foreach (var partition in partitions)
                {
                    pending.Remove(partition);
                }

                redisEffects.Forget(partitions);
            })
            .Build();
    }

    /// <summary>Reads records into <see cref="pending"/> until the batch is full or its time is up.</summary>
    private void Gather(IConsumer<Ignore, byte[]> consumer, CancellationToken stoppingToken)
    {
        var count = 0;
        long deadline = 0;
        while (count < settings.MaxBatchRecords)
        {
            var wait = deadline == 0 ? 200 : (int)Math.Max(0, (deadline - Stopwatch.GetTimestamp()) * 1000 / Stopwatch.Frequency);
            var result = consumer.Consume(wait);
            if (result is null)
            {
                if (deadline != 0 && Stopwatch.GetTimestamp() >= deadline)
                {
                    return;
                }

                if (deadline == 0)
                {
                    // Idle: give the caller a chance to see the stop request.
                    stoppingToken.ThrowIfCancellationRequested();
                    return;
                }

                continue;
            }

            if (deadline == 0)
            {
                deadline = Stopwatch.GetTimestamp() + settings.MaxBatchDelayMs * Stopwatch.Frequency / 1000;
            }

            Add(result);
            count++;
        }
    }

    private void Add(ConsumeResult<Ignore, byte[]> result)
    {
        if (!pending.TryGetValue(result.TopicPartition, out var slice))
        {
            pending[result.TopicPartition] = slice = new PartitionSlice(result.TopicPartition) { FirstOffset = result.Offset.Value };
        }

        slice.LastOffset = result.Offset.Value;
        slice.Records++;
        try
        {
            var fact = FactDecoder.Decode(topics[result.Topic], result.Offset.Value, result.Message.Value ?? [], result.Message.Timestamp.UnixTimestampMs);
            if (fact is not null)
            {
                slice.Facts.Add(fact);
            }
        }
        catch (InvalidProtocolBufferException ex)
        {
            // A record that is not the topic's type can never be applied; it is skipped (and counted), not retried.
            metrics.Undecodable(result.Topic);
            Log.Undecodable(logger, result.Topic, result.Partition.Value, result.Offset.Value, ex.Message);
        }
    }

    /// <summary>Not cancellable: a batch under way when the host stops is finished (and committed), bounded by command timeouts.</summary>
    private void Apply(List<PartitionSlice> slices)
    {
        var started = Stopwatch.GetTimestamp();
        // Redis first: the rollups read each minute's unique senders from the HyperLogLogs it fills.
        redisEffects.ApplyAsync(slices).GetAwaiter().GetResult();
        rollups.ApplyAsync(slices, CancellationToken.None).GetAwaiter().GetResult();
        metrics.BatchApplied(slices.Sum(s => s.Records), Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    private void Commit(IConsumer<Ignore, byte[]> consumer, List<PartitionSlice> slices)
    {
        var offsets = slices.Select(s => new TopicPartitionOffset(s.Partition, s.LastOffset + 1)).ToList();
        try
        {
            consumer.Commit(offsets);
        }
        catch (KafkaException ex)
        {
            // The effects are applied and their watermarks saved; a failed commit only means these records are
            // read again (after a rebalance or restart) and skipped.
            Log.CommitFailed(logger, ex.Error.Reason);
        }

        foreach (var slice in slices)
        {
            Interlocked.Add(ref processed, slice.Records);
        }
    }
}
