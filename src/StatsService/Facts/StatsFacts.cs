using Confluent.Kafka;

namespace Live.StatsService.Facts;

/// <summary>What StatsService keeps of a Kafka record: the fields its effects need, nothing else.</summary>
public abstract record StatsFact(long Offset, long RoomId, long TimeMs);

/// <summary>A chat message in a room (live-messages); <paramref name="Seq"/> 0 when the record has none.</summary>
public sealed record MessageFact(long Offset, long RoomId, long TimeMs, long UserId, long Seq) : StatsFact(Offset, RoomId, TimeMs);

/// <summary>
/// A moderator deleted message <paramref name="Seq"/> of the room (live-messages, kind DELETE); the time is the
/// deleted message's, so taking it back lands in the second and minute it was counted in.
/// </summary>
public sealed record DeleteFact(long Offset, long RoomId, long TimeMs, long Seq) : StatsFact(Offset, RoomId, TimeMs);

/// <summary>A debited gift (gift-events); counted once per idempotency key.</summary>
public sealed record GiftFact(long Offset, long RoomId, long TimeMs, string Key, long SenderUserId, long AnchorUserId, int Count, long Value)
    : StatsFact(Offset, RoomId, TimeMs);

/// <summary>A paid order of a sale in the room (commerce-sales); counted once per order id.</summary>
public sealed record SaleFact(long Offset, long RoomId, long TimeMs, string OrderId, int Units, long Coins) : StatsFact(Offset, RoomId, TimeMs);

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
    Sales,
}

/// <summary>What the Redis step of a batch hands to the MySQL step.</summary>
/// <param name="UniqueSenders">Unique senders of every minute the batch's messages fall in, counted after the apply.</param>
/// <param name="CountedDeletes">The batch's deletes (by record position) that took a counted message back.</param>
public sealed record AppliedEffects(
    Dictionary<(long Room, long Minute), long> UniqueSenders,
    HashSet<(string Topic, int Partition, long Offset)> CountedDeletes);
