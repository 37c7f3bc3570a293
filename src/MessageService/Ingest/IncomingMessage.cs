using Live.V1;

namespace Live.MessageService.Ingest;

/// <summary>A message on its way in, from an Edge (a viewer) or from Publish (a server).</summary>
public readonly record struct IncomingMessage(
    long RoomId,
    MessageKind Kind,
    long UserId,
    string UserName,
    string Content,
    string Color,
    long ConnectionId);

/// <summary>The answer of an ingest step: accept (default) or reject with a reason the sender is told.</summary>
public readonly record struct IngestVerdict(RejectReason Reason, string? Detail)
{
    public static IngestVerdict Accept => default;

    public bool IsAccepted => Reason == RejectReason.Unspecified;

    public static IngestVerdict Reject(RejectReason reason, string detail) => new(reason, detail);
}

/// <summary>The outcome of ingesting one message: its seq, or why it was rejected.</summary>
public readonly record struct IngestResult(long Seq, long TimestampMs, IngestVerdict Verdict)
{
    public bool IsAccepted => Verdict.IsAccepted;
}

/// <summary>
/// One check in the ordered ingest pipeline, run before a message gets its seq. Steps run in registration
/// order and the first rejection wins. This is the seam for moderation (issue 5): bans, rate limits,
/// duplicate suppression and the word filter are further steps. A step that is synchronous returns a
/// completed ValueTask, so the common path allocates nothing.
/// </summary>
public interface IIngestStep
{
    ValueTask<IngestVerdict> CheckAsync(IncomingMessage message, CancellationToken cancellationToken);
}
