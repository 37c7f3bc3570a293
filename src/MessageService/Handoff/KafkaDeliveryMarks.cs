using System.Collections.Concurrent;
using StackExchange.Redis;

namespace Live.MessageService.Handoff;

/// <summary>
/// What this node has handed to Kafka, as another node needs it after a crash (ADR 0014): the rooms it sequenced
/// messages for (registered in Redis before the first one, so a crash right after cannot hide a room), and per
/// room the highest seq and per partition the highest offset Kafka acknowledged. A room's records share a
/// partition and the idempotent producer keeps their order, so every record of the room up to that seq is in
/// Kafka. <see cref="NodeLease"/> writes the marks that changed.
/// </summary>
public sealed class KafkaDeliveryMarks(IConnectionMultiplexer redis, NodeIdentity node)
{
    private readonly ConcurrentDictionary<long, byte> registered = new();
    private readonly Lock gate = new();
    private Dictionary<long, long> changedRooms = [];
    private Dictionary<int, long> changedPartitions = [];

    /// <summary>Completes at once for a room already registered; the first message of a room waits for one SADD.</summary>
    public ValueTask RegisterRoomAsync(long roomId) =>
        registered.ContainsKey(roomId) ? ValueTask.CompletedTask : new ValueTask(RegisterAsync(roomId));

    /// <summary>
    /// Others took this node for dead and removed its keys (its heartbeat lapsed, e.g. Redis was away longer than
    /// <c>Messages:NodeTtlMs</c>): every room registers again with its next message.
    /// </summary>
    public void ForgetRegistrations() => registered.Clear();

    /// <summary>Kafka acknowledged <paramref name="seq"/> of the room at <paramref name="offset"/> (librdkafka's delivery thread).</summary>
    public void Delivered(long roomId, long seq, int partition, long offset)
    {
        lock (gate)
        {
            if (!changedRooms.TryGetValue(roomId, out var known) || known < seq)
            {
                changedRooms[roomId] = seq;
            }

            if (!changedPartitions.TryGetValue(partition, out var highest) || highest < offset)
            {
                changedPartitions[partition] = offset;
            }
        }
    }

    /// <summary>Writes the marks that moved since the last call, in one HSET, and keeps the node's keys as long as the rooms' history.</summary>
    public async Task WriteChangedAsync(TimeSpan keep)
    {
        var db = redis.GetDatabase();
        await db.KeyExpireAsync(NodeKeys.Rooms(node.Id), keep);
        await db.KeyExpireAsync(NodeKeys.Marks(node.Id), keep);
        Dictionary<long, long> rooms;
        Dictionary<int, long> partitions;
        lock (gate)
        {
            if (changedRooms.Count == 0 && changedPartitions.Count == 0)
            {
                return;
            }

            (rooms, changedRooms) = (changedRooms, []);
            (partitions, changedPartitions) = (changedPartitions, []);
        }

        var fields = new HashEntry[rooms.Count + partitions.Count];
        var i = 0;
        foreach (var (room, seq) in rooms)
        {
            fields[i++] = new HashEntry(RoomField(room), seq);
        }

        foreach (var (partition, offset) in partitions)
        {
            fields[i++] = new HashEntry(PartitionField(partition), offset);
        }

        try
        {
            await db.HashSetAsync(NodeKeys.Marks(node.Id), fields);
            await db.KeyExpireAsync(NodeKeys.Marks(node.Id), keep);
        }
        catch (Exception ex) when (ex is RedisException or RedisCommandException or TimeoutException)
        {
            Restore(rooms, partitions);
            throw;
        }
    }

    public static string RoomField(long roomId) => "r:" + roomId.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static string PartitionField(int partition) => "p:" + partition.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private async Task RegisterAsync(long roomId)
    {
        await redis.GetDatabase().SetAddAsync(NodeKeys.Rooms(node.Id), roomId);
        registered.TryAdd(roomId, 0);
    }

    /// <summary>Marks that could not be written go back, unless a newer one arrived meanwhile.</summary>
    private void Restore(Dictionary<long, long> rooms, Dictionary<int, long> partitions)
    {
        lock (gate)
        {
            foreach (var (room, seq) in rooms)
            {
                changedRooms.TryAdd(room, seq);
            }

            foreach (var (partition, offset) in partitions)
            {
                changedPartitions.TryAdd(partition, offset);
            }
        }
    }
}
