using Confluent.Kafka;

namespace Live.StatsService.Facts;

/// <summary>What StatsService keeps of a Kafka record: the fields its effects need, nothing else.</summary>
public abstract record StatsFact(long Offset, long RoomId, long TimeMs);

/// <summary>A chat or gift message in a room (live-messages).</summary>
public sealed record MessageFact(long Offset, long RoomId, long TimeMs, long UserId) : StatsFact(Offset, RoomId, TimeMs);

/// <summary>A debited gift (gift-events); counted once per idempotency key.</summary>
public sealed record GiftFact(long Offset, long RoomId, long TimeMs, string Key, long SenderUserId, long AnchorUserId, int Count, long Value)
    : StatsFact(Offset, RoomId, TimeMs);

/// <summary>A room's state after a lifecycle change (room-events).</summary>
public sealed record RoomFact(long Offset, long RoomId, long TimeMs, long AnchorUserId, string Title, string Category, bool Live)
    : StatsFact(Offset, RoomId, TimeMs);

/// <summary>The facts of one partition in one batch, in offset order.</summary>
public sealed class PartitionSlice(TopicPartition partition, StatsTopic topic)
{
    public TopicPartition Partition { get; } = partition;
    public StatsTopic Topic { get; } = topic;
    public List<StatsFact> Facts { get; } = [];

    /// <summary>Records read in this batch, decodable or not.</summary>
    public int Records { get; set; }

    /// <summary>Lowest offset read in this batch.</summary>
    public long FirstOffset { get; set; } = -1;

    /// <summary>Highest offset read, decodable or not: the offset committed after the batch.</summary>
    public long LastOffset { get; set; } = -1;
}

public enum StatsTopic
{
    LiveMessages,
    RoomEvents,
    GiftEvents,
}
