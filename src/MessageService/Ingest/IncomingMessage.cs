using System.Net;
using Live.V1;

namespace Live.MessageService.Ingest;

/// <summary>Who a message comes from, which decides how much of the ingest checks it goes through.</summary>
public enum MessageOrigin : byte
{
    /// <summary>A signed-in user's own danmaku (through an Edge, or Publish as themselves): fully moderated.</summary>
    Viewer,

    /// <summary>A service, bot or admin (Publish): trusted sender, so the content rules apply but not bans, limits or words.</summary>
    Service,
}

/// <summary>
/// A message on its way in, from an Edge (a viewer) or from Publish (a server or a user).
/// <paramref name="UserLevel"/> and <paramref name="ClientAddress"/> come from the verified identity and the
/// connection; moderation uses them for level-based limits and address bans.
/// </summary>
public readonly record struct IncomingMessage(
    long RoomId,
    MessageKind Kind,
    long UserId,
    string UserName,
    string Content,
    string Color,
    long ConnectionId,
    MessageOrigin Origin,
    int UserLevel = 0,
    IPAddress? ClientAddress = null);

/// <summary>
/// The answer of an ingest step. Rejected: a reason the sender is told, when a retry can succeed, and
/// whether the sender is to be disconnected. Accepted: possibly with <see cref="ReplacementContent"/>
/// (masked words) that replaces the content before encoding, and possibly as <see cref="Shadow"/>: the
/// message goes back to its sender only, never to the room, history or Kafka.
/// </summary>
public readonly record struct IngestVerdict(
    RejectReason Reason,
    string? Detail,
    TimeSpan? RetryAfter = null,
    bool Disconnect = false,
    string? ReplacementContent = null,
    bool Shadow = false)
{
    public static IngestVerdict Accept => default;

    public bool IsAccepted => Reason == RejectReason.Unspecified;

    public static IngestVerdict Reject(RejectReason reason, string detail, TimeSpan? retryAfter = null, bool disconnect = false) =>
        new(reason, detail, retryAfter, disconnect);

    /// <summary>Accepted with different content and/or for the sender's eyes only.</summary>
    public static IngestVerdict AcceptAs(string? replacementContent, bool shadow) => new(default, null, ReplacementContent: replacementContent, Shadow: shadow);
}

/// <summary>
/// The outcome of ingesting one message: its seq, or why it was rejected. A shadow outcome carries the seq of
/// the room's latest real message (no seq is taken) and <see cref="OwnFrame"/>, the batch frame that goes to
/// the sender's connection only.
/// </summary>
public readonly record struct IngestResult(long Seq, long TimestampMs, IngestVerdict Verdict, byte[]? OwnFrame = null)
{
    public bool IsAccepted => Verdict.IsAccepted;
}

/// <summary>
/// One check in the ordered ingest pipeline, run before a message gets its seq. Steps run in registration
/// order and the first rejection wins; an accepting step may replace the content or make the message a
/// shadow (<see cref="IngestVerdict.AcceptAs"/>). A step that is synchronous returns a completed ValueTask,
/// so the common path allocates nothing.
/// </summary>
public interface IIngestStep
{
    ValueTask<IngestVerdict> CheckAsync(IncomingMessage message, CancellationToken cancellationToken);
}
