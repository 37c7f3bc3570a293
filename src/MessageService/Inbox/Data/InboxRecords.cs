namespace Live.MessageService.Inbox.Data;

/// <summary>A row of `inbox_users`: the user's sequence, read position, cap drops and settings; locked by every send.</summary>
public sealed class InboxUserRecord
{
    public long UserId { get; set; }
    public long LatestSeq { get; set; }
    public long ReadSeq { get; set; }
    public long Dropped { get; set; }
    public bool AcceptWhispers { get; set; } = true;
    public DateTime UpdatedAt { get; set; }
}

/// <summary>A row of `inbox_messages`: one stored message, numbered in its recipient's sequence.</summary>
public sealed class InboxMessageRecord
{
    public long UserId { get; set; }
    public long Seq { get; set; }

    /// <summary>from_user_id, 0 for the platform: the idempotency key is unique per (recipient, sender).</summary>
    public long Sender { get; set; }
    public string IdempotencyKey { get; set; } = string.Empty;
    public byte Kind { get; set; }
    public string FromUserName { get; set; } = string.Empty;
    public string Content { get; set; } = string.Empty;
    public long RoomId { get; set; }
    public long DurationSeconds { get; set; }
    public long CreatedMs { get; set; }
}
