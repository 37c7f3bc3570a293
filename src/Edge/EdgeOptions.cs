using System.ComponentModel.DataAnnotations;

namespace Live.Edge;

public sealed class EdgeOptions
{
    public const string Section = "Edge";

    /// <summary>
    /// WebSocket connections this process accepts at most; beyond it an upgrade is refused with 503 and a
    /// Retry-After, so a client tries again (through the load balancer, usually another Edge). Each connection
    /// costs its outbox (up to <see cref="OutboxCapBytes"/>) and a socket; size it to the pod's memory.
    /// </summary>
    [Range(1, 10_000_000)]
    public int MaxConnections { get; set; } = 100_000;

    /// <summary>A larger inbound WebSocket message closes the connection with 1009.</summary>
    [Range(64, 1_048_576)]
    public int MaxInboundFrameBytes { get; set; } = 4_096;

    /// <summary>More inbound frames in one second: an error frame, then close 4029.</summary>
    [Range(1, 10_000)]
    public int MaxFramesPerSecond { get; set; } = 20;

    /// <summary>More malformed frames on one connection: close 4001 (each one gets an error frame first).</summary>
    [Range(1, 10_000)]
    public int MaxInvalidFrames { get; set; } = 10;

    /// <summary>Bytes queued toward one client; over it, ordinary danmaku batches are dropped for that client.</summary>
    [Range(1_024, 1_073_741_824)]
    public int OutboxCapBytes { get; set; } = 1_048_576;

    /// <summary>A client over its cap this long (or over twice the cap) is closed with 4008.</summary>
    [Range(100, 600_000)]
    public int SlowConsumerGraceMs { get; set; } = 5_000;

    /// <summary>
    /// Kernel send buffer per client socket (0: the OS default, which autotunes up to megabytes). A fixed size
    /// keeps memory per connection predictable and makes a stalled reader show up in its outbox quickly.
    /// </summary>
    [Range(0, 16_777_216)]
    public int SocketSendBufferBytes { get; set; } = 128 * 1024;

    [Range(100, 600_000)]
    public int HeartbeatIntervalMs { get; set; } = 15_000;

    /// <summary>Nothing received from a client for this long closes it with 4002.</summary>
    [Range(1_000, 3_600_000)]
    public int IdleTimeoutMs { get; set; } = 60_000;

    /// <summary>After a close was requested, a socket that did not finish closing in this time is aborted.</summary>
    [Range(100, 60_000)]
    public int CloseTimeoutMs { get; set; } = 2_000;

    /// <summary>
    /// While closing, what the client still sends is read and discarded so that the close handshake can finish;
    /// beyond this many bytes the connection is aborted instead.
    /// </summary>
    [Range(0, 67_108_864)]
    public int CloseDrainBytes { get; set; } = 4 * 1_048_576;

    /// <summary>How often connections are checked for idleness, heartbeats, slowness and close timeouts.</summary>
    [Range(10, 10_000)]
    public int SweepIntervalMs { get; set; } = 250;

    [Range(100, 600_000)]
    public int OnlineCountIntervalMs { get; set; } = 5_000;

    /// <summary>Joins and leaves are sent to RoomService at this interval (or sooner when 500 are waiting).</summary>
    [Range(10, 60_000)]
    public int ViewerFlushIntervalMs { get; set; } = 500;

    /// <summary>
    /// How often this Edge re-sends a join for every signed-in viewer it holds, in case RoomService's viewer sets
    /// lost them without the counts showing it (rooms whose count falls below this Edge's own viewers are
    /// restored at once).
    /// </summary>
    [Range(1_000, 3_600_000)]
    public int ViewerReconcileIntervalMs { get; set; } = 60_000;

    /// <summary>Joins and leaves waiting for RoomService at most; beyond it they are dropped and counted.</summary>
    [Range(100, 10_000_000)]
    public int ViewerQueueCapacity { get; set; } = 100_000;

    /// <summary>How long a new connection waits for its room's subscription before it is told to retry (1013).</summary>
    [Range(100, 60_000)]
    public int SubscribeTimeoutMs { get; set; } = 5_000;

    /// <summary>At most this many messages are replayed on resume; older ones are reported not recovered.</summary>
    [Range(1, 100_000)]
    public int MaxReplayMessages { get; set; } = 1_000;

    /// <summary>
    /// Writer shards per room (0: one per core). A room's connections are spread over them; in a room of at least
    /// <see cref="ParallelFanoutMinConnections"/> they write a frame to their connections side by side. One by
    /// default: with the clients' load on the same two cores, writing side by side measured slower, not faster
    /// (docs/benchmarks.md, "Big rooms"); it is for an Edge whose cores are its own.
    /// </summary>
    [Range(0, 256)]
    public int FanoutWriters { get; set; } = 1;

    /// <summary>
    /// Below this many connections a room's frames are written by the thread that delivers them (no hand-off
    /// costs more than writing to a few hundred sockets); from it on, by every writer shard at once.
    /// </summary>
    [Range(1, 10_000_000)]
    public int ParallelFanoutMinConnections { get; set; } = 512;

    /// <summary>
    /// Frames a writer shard holds before it has handed them to its connections; at the bound the relay stream
    /// delivering to the room waits for it (backpressure up to MessageService, whose queue per stream is bounded).
    /// </summary>
    [Range(1, 100_000)]
    public int FanoutQueueFrames { get; set; } = 64;

    /// <summary>Live batches held for a connection while its replay runs; more closes it with 4008.</summary>
    [Range(16, 1_000_000)]
    public int MaxPendingLiveFrames { get; set; } = 4_096;
}

public sealed class RelayOptions
{
    public const string Section = "Relay";

    /// <summary>Bidi streams to MessageService per Edge process, each on its own HTTP/2 connection; rooms map to one by id.</summary>
    [Range(1, 64)]
    public int Streams { get; set; } = 2;

    /// <summary>Client messages waiting to go up one stream; beyond it senders get an Overloaded error frame.</summary>
    [Range(16, 10_000_000)]
    public int UpQueueCapacity { get; set; } = 65_536;

    [Range(50, 600_000)]
    public int MaxReconnectDelayMs { get; set; } = 5_000;

    /// <summary>How long a starting Edge waits for its streams to open before it listens anyway (0: not at all).</summary>
    [Range(0, 120_000)]
    public int StartupWaitMs { get; set; } = 10_000;

    /// <summary>
    /// How often each room's connection count here is looked at and, when it moved by a step, reported up its relay
    /// stream: MessageService's batch window for a busy room follows its largest audience on one Edge (ADR 0017).
    /// </summary>
    [Range(10, 600_000)]
    public int AudienceReportIntervalMs { get; set; } = 1_000;
}
