using System.ComponentModel.DataAnnotations;

namespace Live.StatsService;

public sealed class StatsOptions
{
    public const string Section = "Stats";

    /// <summary>Prefix of every Redis key StatsService writes (tests give each host its own).</summary>
    [Required]
    public string KeyPrefix { get; set; } = "stats:";

    [Required]
    public string ConsumerGroup { get; set; } = "stats-service";

    [Required]
    public string LiveMessagesTopic { get; set; } = "live-messages";

    [Required]
    public string RoomEventsTopic { get; set; } = "room-events";

    [Required]
    public string GiftEventsTopic { get; set; } = "gift-events";

    /// <summary>Paid orders of flash sales (CommerceService's sale outbox).</summary>
    [Required]
    public string SalesTopic { get; set; } = "commerce-sales";

    /// <summary>A batch is applied when it holds this many records...</summary>
    [Range(1, 100_000)]
    public int MaxBatchRecords { get; set; } = 10_000;

    /// <summary>...or this long after its first record arrived, whichever is first.</summary>
    [Range(1, 5_000)]
    public int MaxBatchDelayMs { get; set; } = 50;

    /// <summary>
    /// Read record headers to continue the producers' traces (a span per sampled record, its batch's apply). Off
    /// saves a native call per record for a consumer that must go faster than tracing is worth.
    /// </summary>
    public bool FollowTraces { get; set; } = true;

    /// <summary>How long a gift's idempotency key (and a paid order's id) is remembered; the outbox republishes within minutes, not days.</summary>
    [Range(1, 90)]
    public int GiftDedupDays { get; set; } = 7;

    /// <summary>Rooms a user was in that are kept for recommendations (most recent first).</summary>
    [Range(10, 10_000)]
    public int SeenRoomsPerUser { get; set; } = 200;

    /// <summary>Entries kept per room gifter board and in the anchor boards (the lowest are trimmed).</summary>
    [Range(10, 1_000_000)]
    public int RoomLeaderboardSize { get; set; } = 10_000;

    [Range(10, 10_000_000)]
    public int AnchorLeaderboardSize { get; set; } = 100_000;

    /// <summary>Live rooms whose viewers are sampled from RoomService, and how often.</summary>
    [Range(1, 600)]
    public int ViewerSampleSeconds { get; set; } = 5;

    [Range(1, 1_000_000)]
    public int MaxLiveRooms { get; set; } = 20_000;

    /// <summary>How often the hot-room sorted sets are recomputed.</summary>
    [Range(100, 600_000)]
    public int HeatRankIntervalMs { get; set; } = 2_000;

    /// <summary>Concurrent WatchRoomStats streams served by one process.</summary>
    [Range(1, 1_000_000)]
    public int MaxWatchers { get; set; } = 10_000;

    /// <summary>Rollups older than this are deleted.</summary>
    [Range(1, 3_650)]
    public int RollupRetentionDays { get; set; } = 90;
}

/// <summary>Weights and time constants of the heat score (docs/stats.md).</summary>
public sealed class HeatOptions
{
    public const string Section = "Heat";

    [Range(0, 1_000_000)]
    public double ViewerWeight { get; set; } = 1;

    /// <summary>Per message/second of the decayed message rate.</summary>
    [Range(0, 1_000_000)]
    public double MessageRateWeight { get; set; } = 10;

    /// <summary>Per coin/minute of the decayed gift rate.</summary>
    [Range(0, 1_000_000)]
    public double GiftRateWeight { get; set; } = 1;

    /// <summary>Time constant (s) of the message rate's exponential decay.</summary>
    [Range(1, 86_400)]
    public double MessageTauSeconds { get; set; } = 60;

    /// <summary>Time constant (s) of the gift rate's exponential decay.</summary>
    [Range(1, 86_400)]
    public double GiftTauSeconds { get; set; } = 300;
}

/// <summary>Recall sizes, ranking weights and the diversity cap of RecommendRooms (docs/stats.md).</summary>
public sealed class RecommendationOptions
{
    public const string Section = "Recommendations";

    [Range(0, 1_000)]
    public double FollowedWeight { get; set; } = 3;

    [Range(0, 1_000)]
    public double CategoryWeight { get; set; } = 2;

    [Range(0, 1_000)]
    public double HeatWeight { get; set; } = 1;

    /// <summary>At most this many rooms of one category, unless nothing else is left.</summary>
    [Range(1, 100)]
    public int CategoryCap { get; set; } = 2;

    /// <summary>Rooms the user was in within this window are not recommended.</summary>
    [Range(0, 100_000)]
    public int SeenWindowMinutes { get; set; } = 120;

    /// <summary>The user's top categories recalled from.</summary>
    [Range(1, 20)]
    public int RecallCategories { get; set; } = 3;

    /// <summary>Most anchors one user may follow.</summary>
    [Range(1, 100_000)]
    public int MaxFollowing { get; set; } = 2_000;
}
