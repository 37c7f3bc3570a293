using System.Diagnostics;
using Live.MessageService.Telemetry;
using Live.Protocol;
using Live.V1;
using StackExchange.Redis;

namespace Live.MessageService.Ingest;

/// <summary>
/// Everything a message goes through once: the ordered checks (<see cref="IIngestStep"/>), encoding into its
/// frame (once, here), seq + history + publish (<see cref="MessageSequencer"/>), then Kafka (queued, never awaited).
/// </summary>
public sealed class IngestPipeline(
    IEnumerable<IIngestStep> steps,
    MessageSequencer sequencer,
    KafkaMessageSink kafka,
    MessageMetrics metrics,
    TimeProvider time,
    ILogger<IngestPipeline> logger)
{
    private readonly IIngestStep[] steps = [.. steps];

    public async ValueTask<IngestResult> IngestAsync(IncomingMessage message, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        foreach (var step in steps)
        {
            var verdict = await step.CheckAsync(message, cancellationToken);
            if (!verdict.IsAccepted)
            {
                metrics.Rejected(ReasonName(verdict.Reason));
                return new IngestResult(0, 0, verdict);
            }
        }

        var timestampMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        using var frame = new PooledBufferWriter(FrameLayout.MinMessageSize + 3 * (message.Content.Length + 16));
        FrameWriter.WriteMessage(frame, FrameTypeOf(message.Kind), timestampMs, message.UserId, message.RoomId, 0,
            message.UserName, message.Content, message.Color);
        long seq;
        try
        {
            seq = await sequencer.SequenceAsync(message.RoomId, frame.WrittenMemory);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Log.IngestUnavailable(logger, message.RoomId, ex.Message);
            metrics.Rejected("unavailable");
            return new IngestResult(0, 0, IngestVerdict.Reject(RejectReason.Unavailable, "message store unavailable; retry later."));
        }

        kafka.Enqueue(new RoomMessage
        {
            RoomId = message.RoomId,
            Seq = seq,
            UserId = message.UserId,
            UserName = message.UserName,
            Content = message.Content,
            Kind = message.Kind,
            Color = message.Color,
            TimestampMs = timestampMs,
        });
        metrics.Accepted(KindName(message.Kind));
        metrics.IngestDuration(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return new IngestResult(seq, timestampMs, IngestVerdict.Accept);
    }

    public static FrameType FrameTypeOf(MessageKind kind) => kind switch
    {
        MessageKind.Gift => FrameType.Gift,
        MessageKind.System => FrameType.System,
        _ => FrameType.Danmaku,
    };

    public static MessageKind KindOf(FrameType type) => type switch
    {
        FrameType.Gift => MessageKind.Gift,
        FrameType.System => MessageKind.System,
        _ => MessageKind.Danmaku,
    };

    private static string KindName(MessageKind kind) => kind switch
    {
        MessageKind.Gift => "gift",
        MessageKind.System => "system",
        _ => "danmaku",
    };

    private static string ReasonName(RejectReason reason) => reason switch
    {
        RejectReason.InvalidContent => "invalid_content",
        RejectReason.RoomNotLive => "room_not_live",
        RejectReason.RoomNotFound => "room_not_found",
        RejectReason.Unavailable => "unavailable",
        RejectReason.NotAllowed => "not_allowed",
        RejectReason.RateLimited => "rate_limited",
        _ => "other",
    };
}
