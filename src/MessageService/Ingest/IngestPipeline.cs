using System.Diagnostics;
using Live.MessageService.Handoff;
using Live.MessageService.Telemetry;
using Live.Protocol;
using Live.V1;
using StackExchange.Redis;

namespace Live.MessageService.Ingest;

/// <summary>
/// Everything a message goes through once: the ordered checks (<see cref="IIngestStep"/>), encoding into its
/// frame (once, here), seq + history + publish (<see cref="MessageSequencer"/>), then Kafka (queued, never awaited).
/// A shadow verdict stops before the seq: the message is encoded for its sender alone.
/// </summary>
public sealed class IngestPipeline(
    IEnumerable<IIngestStep> steps,
    MessageSequencer sequencer,
    RoomPositionReader positions,
    KafkaMessageSink kafka,
    KafkaDeliveryMarks deliveryMarks,
    MessageMetrics metrics,
    TimeProvider time,
    ILogger<IngestPipeline> logger)
{
    private readonly IIngestStep[] steps = [.. steps];

    public async ValueTask<IngestResult> IngestAsync(IncomingMessage message, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var shadow = false;
        foreach (var step in steps)
        {
            var verdict = await step.CheckAsync(message, cancellationToken);
            if (!verdict.IsAccepted)
            {
                metrics.Rejected(RejectReasonTable.NameOf(verdict.Reason));
                return new IngestResult(0, 0, verdict);
            }

            if (verdict.ReplacementContent is { } replacement)
            {
                message = message with { Content = replacement };
            }

            shadow |= verdict.Shadow;
        }

        if (shadow)
        {
            return await EchoToSenderAsync(message, started);
        }

        var timestampMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        using var frame = new PooledBufferWriter(FrameLayout.MinMessageSize + 3 * (message.Content.Length + 16));
        FrameWriter.WriteMessage(frame, MessageKindTable.FrameTypeOf(message.Kind), timestampMs, message.UserId, message.RoomId, 0,
            message.UserName, message.Content, message.Color);
        long seq;
        try
        {
            // Registered before its first message: after a crash the room's messages Kafka never got are found (ADR 0014).
            await deliveryMarks.RegisterRoomAsync(message.RoomId);
            seq = await sequencer.SequenceAsync(message.RoomId, frame.WrittenMemory);
        }
        catch (Exception ex) when (ex is RedisException or RedisCommandException or TimeoutException)
        {
            Log.IngestUnavailable(logger, message.RoomId, ex.Message);
            metrics.Rejected(RejectReasonTable.NameOf(RejectReason.Unavailable));
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
        metrics.Accepted(MessageKindTable.NameOf(message.Kind));
        metrics.IngestDuration(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return new IngestResult(seq, timestampMs, IngestVerdict.Accept);
    }

    /// <summary>
    /// A shadow-banned sender's message: a batch of one, as everyone else's messages arrive, carrying the seq of
    /// the room's latest real message (none is taken, so the room sees no gap and the sender's resume point stays
    /// valid). It goes to the sending connection only: not to the room, the history or Kafka.
    /// </summary>
    private async ValueTask<IngestResult> EchoToSenderAsync(IncomingMessage message, long started)
    {
        long latest;
        try
        {
            latest = (await positions.ReadAsync(message.RoomId)).Seq;
        }
        catch (Exception ex) when (ex is RedisException or RedisCommandException or TimeoutException)
        {
            Log.IngestUnavailable(logger, message.RoomId, ex.Message);
            metrics.Rejected(RejectReasonTable.NameOf(RejectReason.Unavailable));
            return new IngestResult(0, 0, IngestVerdict.Reject(RejectReason.Unavailable, "message store unavailable; retry later."));
        }

        var timestampMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        using var payload = new PooledBufferWriter(FrameLayout.MinMessageSize + 3 * (message.Content.Length + 16));
        FrameWriter.WriteMessage(payload, MessageKindTable.FrameTypeOf(message.Kind), timestampMs, message.UserId, message.RoomId, latest,
            message.UserName, message.Content, message.Color);
        var frame = BatchEncoder.EncodePlain(message.RoomId, timestampMs, latest, latest, 1, 0, payload.WrittenSpan);
        metrics.Shadowed();
        metrics.IngestDuration(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return new IngestResult(latest, timestampMs, IngestVerdict.AcceptAs(null, shadow: true), frame);
    }
}
