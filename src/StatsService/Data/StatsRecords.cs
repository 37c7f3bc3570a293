namespace Live.StatsService.Data;

/// <summary>A row of `room_minute_rollups`: one room's activity in one UTC minute.</summary>
public sealed class RoomMinuteRollup
{
    public long RoomId { get; set; }
    public DateTime Minute { get; set; }
    public long Messages { get; set; }
    public long Gifts { get; set; }
    public long GiftValue { get; set; }
    public long UniqueSenders { get; set; }
    public long PeakViewers { get; set; }
}

/// <summary>
/// A row of `stats_offsets`: the last Kafka offset of a partition whose effects are in MySQL. Written in the
/// same transaction as those effects, so a replayed record is recognised and skipped.
/// </summary>
public sealed class AppliedOffset
{
    public string Topic { get; set; } = string.Empty;
    public int Partition { get; set; }
    public long Offset { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// <summary>A row of `stats_applied_gifts`: a gift already in the rollups, by idempotency key (pruned after some days).</summary>
public sealed class AppliedGift
{
    public string IdempotencyKey { get; set; } = string.Empty;
    public DateTime AppliedAt { get; set; }
}

/// <summary>A row of `follows`.</summary>
public sealed class FollowRecord
{
    public long UserId { get; set; }
    public long AnchorUserId { get; set; }
    public DateTime CreatedAt { get; set; }
}
