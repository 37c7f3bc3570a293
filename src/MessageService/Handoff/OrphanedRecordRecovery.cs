using System.Globalization;
using Confluent.Kafka;
using Live.Kafka;
using Live.MessageService.History;
using Live.MessageService.Ingest;
using Live.MessageService.Telemetry;
using Live.V1;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Live.MessageService.Handoff;

/// <summary>
/// Hands a dead node's records to Kafka (ADR 0014). Its messages are in each room's history, marked with its
/// id; those above the room's delivery mark may or may not have reached Kafka. Reading the topic back from the
/// dead node's partition marks tells which did: the rest are produced now (awaited), then the dead node's keys
/// go. What history no longer holds (trimmed past <c>Messages:HistoryLength</c>) is counted and logged.
/// </summary>
public sealed class OrphanedRecordRecovery(
    IConnectionMultiplexer redis,
    NodeIdentity node,
    IProducer<string, byte[]> producer,
    KafkaMessageSink sink,
    IOptions<KafkaOptions> kafka,
    IOptions<MessageOptions> options,
    ILogger<OrphanedRecordRecovery> logger)
{
    private static readonly RedisValue FrameField = "f";
    private static readonly RedisValue NodeField = "n";
    private static readonly TimeSpan ReadBackLimit = TimeSpan.FromSeconds(30);

    public async Task RecoverAsync(string dead, CancellationToken cancellationToken)
    {
        var db = redis.GetDatabase();
        var marks = (await db.HashGetAllAsync(NodeKeys.Marks(dead))).ToDictionary(e => e.Name.ToString(), e => (long)e.Value);
        var unacknowledged = new Dictionary<long, List<RoomMessage>>();
        var trimmed = 0L;
        foreach (var member in await db.SetMembersAsync(NodeKeys.Rooms(dead)))
        {
            var roomId = (long)member;
            var after = marks.GetValueOrDefault(KafkaDeliveryMarks.RoomField(roomId));
            var entries = await db.StreamRangeAsync(MessageKeys.History(roomId), $"{after + 1}-0", "+", options.Value.HistoryLength);
            if (entries.Length > 0 && SeqOf(entries[0]) > after + 1 && after > 0)
            {
                trimmed += SeqOf(entries[0]) - after - 1;
            }

            var theirs = entries.Where(e => e[NodeField] == dead).Select(e => HistoryReader.RecordOf((byte[])e[FrameField]!)).OfType<RoomMessage>().ToList();
            if (theirs.Count > 0)
            {
                unacknowledged[roomId] = theirs;
            }
        }

        var handedOver = 0;
        if (unacknowledged.Count > 0)
        {
            var inKafka = await Task.Run(() => ReadBack(marks, unacknowledged.Keys.ToHashSet(), cancellationToken), cancellationToken);
            foreach (var record in unacknowledged.Values.SelectMany(r => r).Where(r => !inKafka.Contains((r.RoomId, r.Seq))))
            {
                await sink.HandOverAsync(record, cancellationToken);
                handedOver++;
            }

            Log.NodeRecovered(logger, dead, unacknowledged.Values.Sum(r => r.Count), handedOver);
        }

        if (trimmed > 0)
        {
            Log.NodeRecoveryTrimmed(logger, dead, trimmed);
        }

        await db.KeyDeleteAsync([NodeKeys.Marks(dead), NodeKeys.Rooms(dead)]);
        await db.SetRemoveAsync(node.Registry, dead);
    }

    /// <summary>
    /// The (room, seq) pairs of <paramref name="rooms"/> in the topic from the dead node's partition marks (the
    /// start of each partition where it has none) up to the end the read began at.
    /// </summary>
    private HashSet<(long, long)> ReadBack(Dictionary<string, long> marks, HashSet<long> rooms, CancellationToken cancellationToken)
    {
        var topic = options.Value.KafkaTopic;
        using var admin = new DependentAdminClientBuilder(producer.Handle).Build();
        var partitions = admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics.Single().Partitions.Select(p => p.PartitionId).ToList();
        using var consumer = new ConsumerBuilder<string, byte[]>(new ConsumerConfig
        {
            BootstrapServers = kafka.Value.BootstrapServers,
            GroupId = "message-service-recovery",
            EnableAutoCommit = false,
            EnablePartitionEof = true,
        }).Build();

        var remaining = new Dictionary<int, long>();
        var starts = new List<TopicPartitionOffset>();
        foreach (var partition in partitions)
        {
            var end = consumer.QueryWatermarkOffsets(new TopicPartition(topic, partition), TimeSpan.FromSeconds(10)).High;
            var start = marks.TryGetValue(KafkaDeliveryMarks.PartitionField(partition), out var mark) ? new Offset(mark + 1) : Offset.Beginning;
            if (start == Offset.Beginning || start.Value < end.Value)
            {
                remaining[partition] = end.Value;
                starts.Add(new TopicPartitionOffset(topic, partition, start));
            }
        }

        var found = new HashSet<(long, long)>();
        consumer.Assign(starts);
        var deadline = DateTime.UtcNow + ReadBackLimit;
        while (remaining.Count > 0)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"reading {topic} back took over {ReadBackLimit.TotalSeconds:F0} s");
            }

            var result = consumer.Consume(TimeSpan.FromMilliseconds(200));
            cancellationToken.ThrowIfCancellationRequested();
            if (result is null)
            {
                continue;
            }

            var partition = result.Partition.Value;
            if (!result.IsPartitionEOF && RoomMessageReader.TryRead(result.Message.Value, out var record) && rooms.Contains(record.RoomId))
            {
                found.Add((record.RoomId, record.Seq));
            }

            if (remaining.TryGetValue(partition, out var end) && (result.IsPartitionEOF || result.Offset.Value + 1 >= end))
            {
                remaining.Remove(partition);
            }
        }

        return found;
    }

    private static long SeqOf(StreamEntry entry) => long.Parse(entry.Id.ToString().AsSpan(0, entry.Id.ToString().IndexOf('-')), CultureInfo.InvariantCulture);
}
