using System.Diagnostics;
using Confluent.Kafka;
using Live.Kafka;
using Live.StatsService.Facts;
using Live.StatsService.Rollups;
using Live.StatsService.Telemetry;
using Microsoft.Extensions.Options;

namespace Live.StatsService.Ingest;

/// <summary>
/// Consumes `live-messages`, `room-events`, `gift-events` and `commerce-sales` in one consumer group. Records are gathered into
/// a batch (<see cref="StatsOptions.MaxBatchRecords"/> or <see cref="StatsOptions.MaxBatchDelayMs"/>), the
/// batch's effects are applied to Redis and MySQL — each store idempotent through per-partition watermarks —
/// and only then are the offsets committed. A crash anywhere re-reads from the last commit and the watermarks
/// skip what was already applied, so a restart or a rewind leaves the same state as one clean pass.
/// Batches flow through a pipeline: while the consumer thread gathers the next batch, one batch is applied to
/// Redis and an earlier one to MySQL. Each store still applies batches strictly in order (a batch's step waits
/// for the previous batch's step in the same store, and fails if that failed); commits and every consumer call
/// stay on the consumer thread.
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
        [options.Value.SalesTopic] = StatsTopic.Sales,
    };

    // Batches under way at most: one in Redis, one in MySQL, and one more so that a slow batch in either store
    // does not stop the consumer thread at once. Each is at most MaxBatchRecords; a crash re-reads them all
    // (the watermarks skip what was applied).
    private const int PipelineDepth = 3;

    // The batch being gathered, by partition, and the batches being applied, oldest first. Both belong to the
    // consumer thread (rebalance callbacks run on it too); the apply tasks only read their own slices.
    private readonly Queue<InFlight> inFlight = new();
    private Dictionary<TopicPartition, PartitionSlice> pending = [];

    // The slice the last record went to: records come in runs from one partition, so most skip the lookup.
    private PartitionSlice? current;

    // Trace contexts of the sampled records in the batch being gathered (at most ApplyTracing.MaxPerBatch).
    private List<ActivityContext> traced = [];
    private int failures;
    private long processed;

    /// <summary>Records whose effects are applied and whose offsets are committed, since start.</summary>
    public long Processed => Interlocked.Read(ref processed);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        // librdkafka's consumer calls block; the loop gets a thread of its own instead of a pool thread.
        Task.Factory.StartNew(() => Run(stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Run(CancellationToken stoppingToken)
    {
        KafkaNativeLibrary.Load(kafka.Value.NativeLibraryPath);
        using var consumer = Build();
        consumer.Subscribe(topics.Keys);
        Log.ConsumerStarted(logger, settings.ConsumerGroup, string.Join(",", topics.Keys));
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var gathering = Stopwatch.GetTimestamp();
                Gather(consumer, stoppingToken);
                metrics.StageCompleted(pending.Count > 0 ? PipelineStage.Gather : PipelineStage.Idle, gathering);

                // Commit what is done; wait for the oldest only when the pipeline is full or nothing new came.
                while (inFlight.Count > 0 && (inFlight.Count >= PipelineDepth || pending.Count == 0 || inFlight.Peek().Done.IsCompleted))
                {
                    if (!Complete(consumer))
                    {
                        // Nothing of the failed batch was committed, and the batches after it fail with it: read
                        // them all again after a pause; the consumer keeps polling, so the group does not expire it.
                        CompleteAll(consumer);
                        Rewind(consumer, pending.Values);
                        StartNewBatch();
                        stoppingToken.WaitHandle.WaitOne(Backoff());
                        break;
                    }
                }

                if (pending.Count > 0)
                {
                    Start([.. pending.Values], traced);
                    StartNewBatch();
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the batch under way is finished and committed below; what was gathered is read again later.
        }
        finally
        {
            CompleteAll(consumer);
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
            // A partition whose local queue is over the thresholds above is fetched again after this pause. The
            // default (1 s) left the consumer thread idle for whole pauses once it had drained a hot partition.
            FetchQueueBackoffMs = 20,
            // Only the fields used: headers (a native call per record) only to continue the producers' traces.
            ConsumeResultFields = settings.FollowTraces ? "topic,timestamp,headers" : "topic,timestamp",
        };
        return new ConsumerBuilder<Ignore, byte[]>(config)
            .SetLogHandler((_, message) => Log.Librdkafka(logger, message.Facility, message.Message))
            .SetErrorHandler((_, error) => Log.ConsumerError(logger, error.Code, error.Reason))
            .SetPartitionsAssignedHandler((c, assigned) =>
            {
                FinishBeforeRebalance(c);
                redisEffects.Forget(assigned);
                Log.PartitionsAssigned(logger, string.Join(",", assigned));
            })
            .SetPartitionsRevokedHandler((c, revoked) =>
            {
                // The batch under way is finished and committed while these partitions are still ours.
                FinishBeforeRebalance(c);
                Drop(revoked.Select(p => p.TopicPartition).ToList());
                Log.PartitionsRevoked(logger, string.Join(",", revoked));
            })
            .SetPartitionsLostHandler((c, lost) =>
            {
                FinishBeforeRebalance(c);
                Drop(lost.Select(p => p.TopicPartition).ToList());
            })
            .Build();
    }

    // A failed batch is simply not committed: whoever owns its partitions next reads it again.
    private void FinishBeforeRebalance(IConsumer<Ignore, byte[]> consumer) => CompleteAll(consumer);

    private void CompleteAll(IConsumer<Ignore, byte[]> consumer)
    {
        while (inFlight.Count > 0)
        {
            Complete(consumer);
        }
    }

    private void Drop(List<TopicPartition> partitions)
    {
        foreach (var partition in partitions)
        {
            pending.Remove(partition);
        }

        current = null;

        redisEffects.Forget(partitions);
    }

    /// <summary>Reads records into <see cref="pending"/> until the batch is full or its time is up.</summary>
    private void Gather(IConsumer<Ignore, byte[]> consumer, CancellationToken stoppingToken)
    {
        var count = 0;
        long deadline = 0;
        while (count < settings.MaxBatchRecords)
        {
            // Idle, with a batch under way: return soon so it is committed without waiting for new records.
            var idleWait = inFlight.Count == 0 ? 200 : 5;
            var wait = deadline == 0 ? idleWait : (int)Math.Max(0, (deadline - Stopwatch.GetTimestamp()) * 1000 / Stopwatch.Frequency);
            ConsumeResult<Ignore, byte[]>? result;
            try
            {
                result = consumer.Consume(wait);
            }
            catch (ConsumeException ex) when (!ex.Error.IsFatal)
            {
                // E.g. a subscribed topic that does not exist yet: reported, and the consumer carries on.
                Log.ConsumerError(logger, ex.Error.Code, ex.Error.Reason);
                return;
            }

            if (result is null)
            {
                if (deadline == 0)
                {
                    stoppingToken.ThrowIfCancellationRequested();
                    return;
                }

                if (Stopwatch.GetTimestamp() >= deadline)
                {
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

    private void StartNewBatch()
    {
        pending = [];
        current = null;
        traced = [];
    }

    private void Add(ConsumeResult<Ignore, byte[]> result)
    {
        var slice = current;
        if (slice is null || slice.Partition.Partition != result.Partition || !string.Equals(slice.Partition.Topic, result.Topic, StringComparison.Ordinal))
        {
            var partition = result.TopicPartition;
            if (!pending.TryGetValue(partition, out slice))
            {
                pending[partition] = slice = new PartitionSlice(partition, topics[partition.Topic]) { FirstOffset = result.Offset.Value };
            }

            current = slice;
        }

        slice.LastOffset = result.Offset.Value;
        slice.Records++;
        if (result.Message.Headers is { Count: > 0 } headers && traced.Count < ApplyTracing.MaxPerBatch)
        {
            ApplyTracing.Collect(headers, traced);
        }

        if (!FactDecoder.TryDecode(slice.Topic, result.Offset.Value, result.Message.Value ?? [], result.Message.Timestamp.UnixTimestampMs, out var fact))
        {
            // A record that is not the topic's type can never be applied; it is skipped (and counted), not retried.
            metrics.Undecodable(result.Topic);
            Log.Undecodable(logger, result.Topic, result.Partition.Value, result.Offset.Value);
        }
        else if (fact is not null)
        {
            slice.Facts.Add(fact);
        }
    }

    /// <summary>
    /// Starts applying a batch: its Redis script arguments are built at once (after the previous batch's), its
    /// script runs after the previous batch's Redis step, and its MySQL step (one transaction: rollups, the minutes'
    /// unique senders — which the Redis step returns — and the offsets) after its own Redis step and the previous
    /// batch's MySQL step. So one batch's MySQL work overlaps the next one's Redis work, and each store sees batches
    /// in order. A step fails if the one before it failed. Not cancellable: a batch under way when the host stops
    /// is finished (and committed), bounded by command timeouts.
    /// </summary>
    private void Start(List<PartitionSlice> slices, List<ActivityContext> tracedRecords)
    {
        var previous = inFlight.Count > 0 ? inFlight.Last() : null;
        var started = Stopwatch.GetTimestamp();
        var startedAt = DateTime.UtcNow;
        var prepared = Task.Run(async () =>
        {
            // Batches are built in order: the "recently seen" and known-sender filters carry from one to the next.
            if (previous is not null)
            {
                await previous.Prepared;
            }

            var building = Stopwatch.GetTimestamp();
            var effects = await redisEffects.PrepareAsync(slices);
            metrics.StageCompleted(PipelineStage.RedisBuild, building);
            return effects;
        });
        var redisStep = Task.Run(async () =>
        {
            var effects = await prepared;
            if (previous is not null)
            {
                await previous.RedisStep;
            }

            var applying = Stopwatch.GetTimestamp();
            var applied = await redisEffects.ApplyAsync(effects);
            metrics.StageCompleted(PipelineStage.Redis, applying);
            return applied;
        });
        var done = Task.Run(async () =>
        {
            try
            {
                var applied = await redisStep;
                if (previous is not null)
                {
                    await previous.Done;
                }

                var applying = Stopwatch.GetTimestamp();
                await rollups.ApplyAsync(slices, applied, CancellationToken.None);
                metrics.StageCompleted(PipelineStage.MySql, applying);
                metrics.BatchApplied(slices.Sum(s => s.Records), Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                ApplyTracing.Applied(tracedRecords, startedAt, slices, error: null);
            }
            catch (Exception ex)
            {
                ApplyTracing.Applied(tracedRecords, startedAt, slices, ex);
                throw;
            }
        });
        inFlight.Enqueue(new InFlight(slices, prepared, redisStep, done));
    }

    /// <summary>Waits for the oldest batch under way and commits it; false (and logged) when applying it failed.</summary>
    private bool Complete(IConsumer<Ignore, byte[]> consumer)
    {
        var batch = inFlight.Dequeue();
        try
        {
            var waiting = Stopwatch.GetTimestamp();
            batch.Done.GetAwaiter().GetResult();
            metrics.StageCompleted(PipelineStage.Wait, waiting);
        }
        catch (Exception ex)
        {
            failures++;
            Log.ApplyFailed(logger, batch.Slices.Sum(s => s.Records), (int)Backoff().TotalMilliseconds, ex);
            metrics.ApplyFailed();
            Rewind(consumer, batch.Slices);
            return false;
        }

        failures = 0;
        var committing = Stopwatch.GetTimestamp();
        try
        {
            consumer.Commit(batch.Slices.Select(s => new TopicPartitionOffset(s.Partition, s.LastOffset + 1)));
        }
        catch (KafkaException ex)
        {
            // The effects are applied and their watermarks saved; a failed commit only means these records are
            // read again (after a rebalance or restart) and skipped.
            Log.CommitFailed(logger, ex.Error.Reason);
        }

        metrics.StageCompleted(PipelineStage.Commit, committing);
        Interlocked.Add(ref processed, batch.Slices.Sum(s => s.Records));
        return true;
    }

    /// <summary>Moves each partition back to the first offset of the given slices (the earliest wins).</summary>
    private static void Rewind(IConsumer<Ignore, byte[]> consumer, IEnumerable<PartitionSlice> slices)
    {
        var assigned = consumer.Assignment.ToHashSet();
        foreach (var slice in slices)
        {
            if (assigned.Contains(slice.Partition) && consumer.Position(slice.Partition).Value > slice.FirstOffset)
            {
                consumer.Seek(new TopicPartitionOffset(slice.Partition, slice.FirstOffset));
            }
        }
    }

    private TimeSpan Backoff() => TimeSpan.FromMilliseconds(Math.Min(5_000, 200 * (1 << Math.Min(failures, 5))));

    private sealed record InFlight(List<PartitionSlice> Slices, Task<PreparedEffects> Prepared, Task<AppliedEffects> RedisStep, Task Done);
}
