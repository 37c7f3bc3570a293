using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Confluent.Kafka;
using Google.Protobuf;
using Live.Kafka;
using Live.MessageService.Handoff;
using Live.MessageService.Telemetry;
using Live.V1;
using Microsoft.Extensions.Options;

namespace Live.MessageService.Ingest;

/// <summary>
/// Accepted messages to Kafka `live-messages` (key = room id, value = RoomMessage), off the real-time path.
/// Ingest only enqueues. One loop produces (the idempotent producer keeps per-partition order); a failed
/// delivery is queued again after a backoff. The queue is bounded: when Kafka stays down long enough to
/// fill it, the oldest record is dropped — counted and logged as an error, never silently.
/// </summary>
public sealed class KafkaMessageSink : BackgroundService
{
    private static readonly byte[] ContentType = Encoding.ASCII.GetBytes("application/x-protobuf; type=live.v1.RoomMessage");

    private readonly IProducer<string, byte[]> producer;
    private readonly KafkaDeliveryMarks marks;
    private readonly MessageMetrics metrics;
    private readonly ILogger<KafkaMessageSink> logger;
    private readonly string topic;
    private readonly string publishSpanName;
    private readonly Channel<Message<string, byte[]>> queue;
    private readonly Action<DeliveryReport<string, byte[]>> onDelivered;
    private long queued;
    private long dropped;
    private long retryAfterTimestamp;
    private int consecutiveFailures;
    private long lastFailureLog;

    public KafkaMessageSink(IProducer<string, byte[]> producer, KafkaDeliveryMarks marks, IOptions<MessageOptions> options, MessageMetrics metrics,
        ILogger<KafkaMessageSink> logger)
    {
        this.producer = producer;
        this.marks = marks;
        this.metrics = metrics;
        this.logger = logger;
        topic = options.Value.KafkaTopic;
        publishSpanName = topic + " publish";
        queue = Channel.CreateBounded<Message<string, byte[]>>(
            new BoundedChannelOptions(options.Value.KafkaQueueCapacity)
            {
                FullMode = BoundedChannelFullMode.DropOldest,
                SingleReader = true,
            },
            OnDropped);
        onDelivered = OnDelivered;
    }

    /// <summary>Records waiting for an acknowledgement (queued or in flight).</summary>
    public long Pending => Volatile.Read(ref queued);

    /// <summary>Records dropped because the queue was full, since start.</summary>
    public long Dropped => Volatile.Read(ref dropped);

    public void Enqueue(RoomMessage message)
    {
        Interlocked.Increment(ref queued);
        metrics.KafkaQueued(1);
        queue.Writer.TryWrite(RecordOf(message));
    }

    /// <summary>A dead node's record (ADR 0014), produced now and awaited, so its node's keys go only once it is in Kafka.</summary>
    public async Task HandOverAsync(RoomMessage message, CancellationToken cancellationToken)
    {
        await producer.ProduceAsync(topic, RecordOf(message), cancellationToken);
        metrics.KafkaPublished();
    }

    private Message<string, byte[]> RecordOf(RoomMessage message)
    {
        var headers = new Headers { { "content-type", ContentType } };

        // A record joins a trace only when its message is in one (a traced relayed message, a Publish call):
        // untraced relay traffic gets no span of its own.
        if (Activity.Current is not null)
        {
            using var activity = MessageMetrics.ActivitySource.StartActivity(publishSpanName, ActivityKind.Producer);
            activity?.SetTag("messaging.system", "kafka");
            activity?.SetTag("messaging.destination.name", topic);
            activity?.SetTag("live.room_id", message.RoomId);
            activity?.SetTag("live.seq", message.Seq);
            KafkaTraceContext.Inject(headers, activity ?? Activity.Current);
        }

        return new Message<string, byte[]>
        {
            Key = message.RoomId.ToString(CultureInfo.InvariantCulture),
            Value = message.ToByteArray(),
            Headers = headers,
            Timestamp = new Timestamp(message.TimestampMs, TimestampType.CreateTime),
        };
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var record in queue.Reader.ReadAllAsync(stoppingToken))
            {
                await WaitOutBackoffAsync(stoppingToken);
                await ProduceAsync(record, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: give in-flight deliveries a moment, and say what is left.
            producer.Flush(TimeSpan.FromSeconds(5));
            if (Pending > 0)
            {
                Log.KafkaUnflushed(logger, Pending);
            }
        }
    }

    private async Task ProduceAsync(Message<string, byte[]> record, CancellationToken stoppingToken)
    {
        while (true)
        {
            try
            {
                producer.Produce(topic, record, onDelivered);
                return;
            }
            catch (ProduceException<string, byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
            {
                // librdkafka's own buffer is full: wait for it to drain instead of piling up.
                await Task.Delay(20, stoppingToken);
            }
            catch (KafkaException ex)
            {
                Failed(record, ex.Error.Reason);
                return;
            }
        }
    }

    private void OnDelivered(DeliveryReport<string, byte[]> report)
    {
        if (report.Error.IsError)
        {
            Failed(Resendable(report.Message), report.Error.Reason);
            return;
        }

        Interlocked.Exchange(ref consecutiveFailures, 0);
        if (RoomMessageReader.TryRead(report.Message.Value, out var record))
        {
            marks.Delivered(record.RoomId, record.Seq, report.Partition.Value, report.Offset.Value);
        }

        Interlocked.Decrement(ref queued);
        metrics.KafkaQueued(-1);
        metrics.KafkaPublished();
    }

    private void Failed(Message<string, byte[]> record, string reason)
    {
        metrics.KafkaFailed();
        var failures = Interlocked.Increment(ref consecutiveFailures);
        var delayMs = Math.Min(5_000, 100 * (1 << Math.Min(failures, 6)));
        Volatile.Write(ref retryAfterTimestamp, Stopwatch.GetTimestamp() + delayMs * Stopwatch.Frequency / 1000);

        // One line per few seconds is enough to report an outage; the counter has every failure.
        var now = Stopwatch.GetTimestamp();
        var last = Volatile.Read(ref lastFailureLog);
        if (now - last > 5 * Stopwatch.Frequency && Interlocked.CompareExchange(ref lastFailureLog, now, last) == last)
        {
            Log.KafkaDeliveryFailed(logger, topic, reason, Pending, delayMs);
        }

        queue.Writer.TryWrite(record);
    }

    /// <summary>
    /// A failed delivery's record comes back with its timestamp marked "not available", which Produce refuses
    /// (an ArgumentException that stopped the sink, and with it the host, after the chaos suite's Kafka outage
    /// outlasted the delivery timeout). The create time is the message's own and is put back.
    /// </summary>
    private static Message<string, byte[]> Resendable(Message<string, byte[]> failed)
    {
        if (failed.Timestamp.Type != TimestampType.CreateTime)
        {
            failed.Timestamp = new Timestamp(RoomMessage.Parser.ParseFrom(failed.Value).TimestampMs, TimestampType.CreateTime);
        }

        return failed;
    }

    private async ValueTask WaitOutBackoffAsync(CancellationToken stoppingToken)
    {
        var wait = Volatile.Read(ref retryAfterTimestamp) - Stopwatch.GetTimestamp();
        if (wait > 0)
        {
            await Task.Delay(TimeSpan.FromSeconds((double)wait / Stopwatch.Frequency), stoppingToken);
        }
    }

    private void OnDropped(Message<string, byte[]> record)
    {
        Interlocked.Decrement(ref queued);
        metrics.KafkaQueued(-1);
        metrics.KafkaDropped();
        var count = Interlocked.Increment(ref dropped);
        Log.KafkaRecordDropped(logger, record.Key, RoomMessage.Parser.ParseFrom(record.Value).Seq, count);
    }
}
