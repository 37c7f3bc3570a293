using Live.V1;

namespace Live.MessageService.Inbox;

/// <summary>A validated message, before it is numbered for each recipient.</summary>
public sealed record InboxDraft(
    InboxKind Kind,
    long FromUserId,
    string FromUserName,
    string Content,
    long RoomId,
    long DurationSeconds,
    string IdempotencyKey);

/// <summary>What a send did for one recipient: the seq (new or the first answer again) and when it was stored.</summary>
public readonly record struct InboxDelivery(long UserId, long Seq, long CreatedMs, bool Duplicate);

public enum InboxSendStatus : byte
{
    Stored,

    /// <summary>A whisper to a user whose accept_whispers is false; nothing was stored.</summary>
    WhispersOff,
}

public sealed record InboxSendResult(InboxSendStatus Status, IReadOnlyList<InboxDelivery> Deliveries);
