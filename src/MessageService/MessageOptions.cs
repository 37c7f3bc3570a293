using System.ComponentModel.DataAnnotations;

namespace Live.MessageService;

public sealed class MessageOptions
{
    public const string Section = "Messages";

    /// <summary>Per-room batching window before frames go down to Edges, and the flushing loop's tick.</summary>
    [Range(1, 1_000)]
    public int BatchWindowMs { get; set; } = 20;

    /// <summary>
    /// A room whose last batch held at least <see cref="HotBatchMessages"/> messages waits at least this long for its
    /// next one: every viewer of a busy room then gets half as many frames per second, each carrying twice the
    /// messages, and a frame costs an Edge about the same to write whatever it carries (docs/benchmarks.md). Quiet
    /// rooms keep <see cref="BatchWindowMs"/>. A busy room with a large audience on one Edge waits longer
    /// (<see cref="BusyRoomFramesPerSecondPerEdge"/>).
    /// </summary>
    [Range(1, 1_000)]
    public int HotBatchWindowMs { get; set; } = 40;

    /// <summary>
    /// A busy room's window (ADR 0017) is also at least the largest audience one Edge reported for it times 1000
    /// divided by this: the frames per second one room should cost an Edge (25,000 ≈ half a core at the 20 µs a
    /// frame costs on the benchmark machine), so from 1,000 viewers on one Edge the window grows with the audience.
    /// </summary>
    [Range(1, 10_000_000)]
    public int BusyRoomFramesPerSecondPerEdge { get; set; } = 25_000;

    /// <summary>
    /// The longest a busy room's batch waits, whatever its audience: a message's wait for its batch plus the fan-out
    /// must stay inside the 100 ms delivery budget.
    /// </summary>
    [Range(1, 1_000)]
    public int MaxBatchWindowMs { get; set; } = 60;

    /// <summary>Messages in one batch that make a room busy enough for <see cref="HotBatchWindowMs"/> or longer.</summary>
    [Range(1, 100_000)]
    public int HotBatchMessages { get; set; } = 20;

    /// <summary>A room's pending batch is flushed early once it holds this many bytes.</summary>
    [Range(1_024, 1_048_576)]
    public int MaxBatchBytes { get; set; } = 64 * 1024;

    /// <summary>
    /// Batches at least this large are also sent zstd-compressed (once) for clients that asked. From 256 bytes: a
    /// busy room's 20 ms batch (about ten danmaku, 900 bytes) compresses to half, while a lone message does not
    /// pay for the frame (docs/benchmarks.md, bytes on the wire).
    /// </summary>
    [Range(64, 1_048_576)]
    public int CompressionThreshold { get; set; } = 256;

    /// <summary>Ordinary danmaku shown per room per second at most; above it they are sampled out per batch.</summary>
    [Range(1, 1_000_000)]
    public int MaxDisplayRatePerSecond { get; set; } = 500;

    /// <summary>Messages kept per room for resume and GetHistory (exact cap).</summary>
    [Range(10, 100_000)]
    public int HistoryLength { get; set; } = 1_000;

    /// <summary>A room's seq and history expire this long after its last message.</summary>
    [Range(1, 10_080)]
    public int HistoryTtlMinutes { get; set; } = 1_440;

    [Range(1, 1_000)]
    public int MaxUserNameLength { get; set; } = 64;

    /// <summary>RelayDown items queued per Edge stream; a stream that falls this far behind is closed (the Edge reconnects).</summary>
    [Range(16, 1_000_000)]
    public int EdgeQueueCapacity { get; set; } = 16_384;

    /// <summary>
    /// Users one Edge stream may announce (docs/inbox.md, Delivery); an announcement beyond it is refused with a
    /// warning, and that user's messages wait for the next connection. An Edge holds at most Edge:MaxConnections.
    /// </summary>
    [Range(1, 10_000_000)]
    public int MaxUsersPerStream { get; set; } = 200_000;

    /// <summary>Client messages of one Edge stream being ingested at once (pipelined to Redis).</summary>
    [Range(1, 100_000)]
    public int MaxInFlightPerStream { get; set; } = 1_024;

    /// <summary>
    /// A node whose heartbeat is this old is dead: another node hands its records Kafka never acknowledged to
    /// Kafka (ADR 0014). The node renews it every tenth of this and writes its delivery marks as often.
    /// </summary>
    [Range(1_000, 600_000)]
    public int NodeTtlMs { get; set; } = 5_000;

    /// <summary>Records waiting for Kafka; when full, the oldest is dropped and counted (never silently).</summary>
    [Range(100, 10_000_000)]
    public int KafkaQueueCapacity { get; set; } = 200_000;

    [Required]
    public string KafkaTopic { get; set; } = "live-messages";
}
