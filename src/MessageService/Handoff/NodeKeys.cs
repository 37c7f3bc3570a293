using StackExchange.Redis;

namespace Live.MessageService.Handoff;

/// <summary>
/// The Redis keys of the Kafka hand-off (ADR 0014). Each is a key of its own (no script spans two), so they
/// work unchanged on a Redis Cluster.
/// </summary>
public static class NodeKeys
{
    /// <summary>
    /// The ids of the nodes that write to one Kafka topic of one cluster (<paramref name="scope"/>) and have not yet
    /// left cleanly or been recovered: a node recovers only records bound for the Kafka it writes to.
    /// </summary>
    public static RedisKey Nodes(string scope) => $"messages:nodes:{scope}";

    /// <summary>Exists (with a TTL the node keeps renewing) while the node is alive.</summary>
    public static RedisKey Heartbeat(string node) => $"messages:node:{{{node}}}:alive";

    /// <summary>The rooms the node has sequenced messages for, registered before its first message in each.</summary>
    public static RedisKey Rooms(string node) => $"messages:node:{{{node}}}:rooms";

    /// <summary>
    /// The node's delivery marks: field <c>r:{room}</c> = the room's highest seq Kafka acknowledged to it,
    /// <c>p:{partition}</c> = the highest offset it was acknowledged in that partition.
    /// </summary>
    public static RedisKey Marks(string node) => $"messages:node:{{{node}}}:kafka-marks";

    /// <summary>Held by the node recovering a dead node's records, so only one does.</summary>
    public static RedisKey Recovery(string node) => $"messages:node:{{{node}}}:recovery";
}
