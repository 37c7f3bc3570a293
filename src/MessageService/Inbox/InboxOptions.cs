using System.ComponentModel.DataAnnotations;

namespace Live.MessageService.Inbox;

/// <summary>Configuration section "Inbox": every bound of the per-user inbox (docs/inbox.md).</summary>
public sealed class InboxOptions
{
    public const string Section = "Inbox";

    /// <summary>The contract's limit on SendToUsers recipients (inbox.proto).</summary>
    public const int ContractMaxRecipients = 1_000;

    /// <summary>Messages kept per user; over it the oldest are deleted and counted as dropped.</summary>
    [Range(1, 100_000)]
    public int MaxPerUser { get; set; } = 200;

    /// <summary>Messages older than this are neither listed nor kept (a background sweep deletes them).</summary>
    [Range(1, 3_650)]
    public int RetentionDays { get; set; } = 30;

    /// <summary>Unicode scalars in a message's content (whispers are also held to moderation's MaxLength).</summary>
    [Range(1, 4_000)]
    public int MaxContentLength { get; set; } = 1_000;

    /// <summary>Recipients of one SendToUsers call (one follower page).</summary>
    [Range(1, ContractMaxRecipients)]
    public int MaxRecipientsPerCall { get; set; } = ContractMaxRecipients;

    /// <summary>Whispers one user may send per minute (a fixed window in Redis, shared by every node).</summary>
    [Range(1, 10_000)]
    public int WhispersPerMinute { get; set; } = 20;

    /// <summary>Expired messages deleted per statement of the retention sweep, so it never holds long locks.</summary>
    [Range(100, 100_000)]
    public int SweepBatch { get; set; } = 5_000;

    /// <summary>Pause between retention sweeps.</summary>
    [Range(1, 86_400)]
    public int SweepIntervalSeconds { get; set; } = 600;
}
