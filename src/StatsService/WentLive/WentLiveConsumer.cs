using Confluent.Kafka;
using Grpc.Core;
using Live.Kafka;
using Live.StatsService.Telemetry;
using Live.V1;
using Microsoft.Extensions.Options;

namespace Live.StatsService.WentLive;

/// <summary>
/// Reads `room-events` in a consumer group of its own ({Stats:ConsumerGroup}-went-live) and runs the follower
/// fan-out of each STARTED event (<see cref="WentLiveFanout"/>). Offsets are committed only after the fan-out
/// finished, so a crash runs it again with the same keys. RoomService's StartLive only writes its outbox row;
/// the notices follow from here, however many followers there are.
/// </summary>
public sealed class WentLiveConsumer(
    IOptions<KafkaOptions> kafka,
    IOptions<StatsOptions> stats,
    IOptions<WentLiveOptions> options,
    WentLiveFanout fanout,
    TimeProvider time,
    ILogger<WentLiveConsumer> logger) : BackgroundService
{
    /// <summary>STARTED events whose fan-out finished, since start.</summary>
    public long Announced => Interlocked.Read(ref announced);

    private long announced;

    public string GroupId => stats.Value.ConsumerGroup + "-went-live";

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        // librdkafka's consumer calls block; the loop gets a thread of its own.
        Task.Factory.StartNew(() => Run(stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Run(CancellationToken stoppingToken)
    {
        KafkaNativeLibrary.Load(kafka.Value.NativeLibraryPath);
        using var consumer = new ConsumerBuilder<Ignore, byte[]>(new ConsumerConfig
        {
            BootstrapServers = kafka.Value.BootstrapServers,
            GroupId = GroupId,
            ClientId = StatsServiceApp.ServiceName + "-went-live",
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            SessionTimeoutMs = 10_000,
            // A fan-out to many followers holds the loop between polls; it must not cost the group its member.
            MaxPollIntervalMs = 900_000,
        }).SetErrorHandler((_, error) => Log.ConsumerError(logger, error.Code, error.Reason)).Build();
        consumer.Subscribe(stats.Value.RoomEventsTopic);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                ConsumeResult<Ignore, byte[]>? result;
                try
                {
                    result = consumer.Consume(stoppingToken);
                }
                catch (ConsumeException ex) when (!ex.Error.IsFatal)
                {
                    Log.ConsumerError(logger, ex.Error.Code, ex.Error.Reason);
                    continue;
                }

                if (result?.Message is null)
                {
                    continue;
                }

                if (Announce(result.Message.Value, stoppingToken))
                {
                    consumer.Commit([new TopicPartitionOffset(result.TopicPartition, result.Offset + 1)]);
                }
                else
                {
                    // Not finished (stopping or failing): read it again from the last commit.
                    consumer.Seek(result.TopicPartitionOffset);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: an unfinished fan-out is not committed and runs again on the next start.
        }
        finally
        {
            consumer.Close();
        }
    }

    /// <returns>True when the record is done with: announced, skipped, or not a went-live event.</returns>
    private bool Announce(byte[] value, CancellationToken stoppingToken)
    {
        RoomEvent started;
        try
        {
            started = RoomEvent.Parser.ParseFrom(value);
        }
        catch (Google.Protobuf.InvalidProtocolBufferException)
        {
            return true;
        }

        var settings = options.Value;
        if (started.Type != RoomEventType.Started || started.Room is null
            || started.OccurredAt?.ToDateTimeOffset() < time.GetUtcNow().AddMinutes(-settings.MaxEventAgeMinutes))
        {
            return true;
        }

        try
        {
            var stored = fanout.RunAsync(started, stoppingToken).GetAwaiter().GetResult();
            Interlocked.Increment(ref announced);
            Log.WentLiveDone(logger, started.Room.Id, started.EventId, stored);
            return true;
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.InvalidArgument or StatusCode.PermissionDenied or StatusCode.Unauthenticated)
        {
            // The inbox will refuse this event however often it is sent: a bug to see, not a partition to block.
            Log.WentLiveRefused(logger, started.Room.Id, started.EventId, ex.StatusCode.ToString(), ex.Status.Detail);
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            Log.WentLiveFailed(logger, started.Room.Id, started.EventId, settings.RetryMaxMs, ex);
            stoppingToken.WaitHandle.WaitOne(settings.RetryMaxMs);
            return false;
        }
    }
}
