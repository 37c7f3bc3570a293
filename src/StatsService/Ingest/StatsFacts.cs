using Confluent.Kafka;
using Google.Protobuf;
using Live.V1;

namespace Live.StatsService.Ingest;

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

internal static class FactDecoder
{
    /// <summary>
    /// The fact of a record (null when the record is not one StatsService counts, such as system messages);
    /// false when the value is not the topic's message type.
    /// </summary>
    public static bool TryDecode(StatsTopic topic, long offset, byte[] value, long recordTimeMs, out StatsFact? fact)
    {
        fact = null;
        try
        {
            switch (topic)
            {
                case StatsTopic.LiveMessages:
                    if (!RoomMessageReader.TryRead(value, out var message))
                    {
                        return false;
                    }

                    // Chat only: system messages are not audience activity, and a gift's room message is
                    // counted from its gift-events record (once per gift, where the announcement may show a combo).
                    if (message.Kind is not (MessageKind.System or MessageKind.Gift) && message.UserId > 0 && message.RoomId > 0)
                    {
                        fact = new MessageFact(offset, message.RoomId, message.TimestampMs > 0 ? message.TimestampMs : recordTimeMs, message.UserId);
                    }

                    return true;

                case StatsTopic.GiftEvents:
                    var gift = GiftEvent.Parser.ParseFrom(value);
                    if (gift.RoomId > 0 && gift.IdempotencyKey.Length > 0)
                    {
                        fact = new GiftFact(offset, gift.RoomId, gift.SentAtMs > 0 ? gift.SentAtMs : recordTimeMs, gift.IdempotencyKey, gift.SenderUserId, gift.AnchorUserId, gift.Count, gift.TotalValue);
                    }

                    return true;

                default:
                    var evt = RoomEvent.Parser.ParseFrom(value);
                    if (evt.Room is { Id: > 0 })
                    {
                        var time = evt.OccurredAt is null ? recordTimeMs : evt.OccurredAt.Seconds * 1000 + evt.OccurredAt.Nanos / 1_000_000;
                        fact = new RoomFact(offset, evt.Room.Id, time, evt.Room.AnchorUserId, evt.Room.Title, evt.Room.Category, evt.Room.Status == RoomStatus.Live);
                    }

                    return true;
            }
        }
        catch (InvalidProtocolBufferException)
        {
            return false;
        }
    }
}

public enum StatsTopic
{
    LiveMessages,
    RoomEvents,
    GiftEvents,
}
