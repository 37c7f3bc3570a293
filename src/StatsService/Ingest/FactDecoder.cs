using Google.Protobuf;
using Live.StatsService.Facts;
using Live.V1;

namespace Live.StatsService.Ingest;

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

                    var messageTimeMs = message.TimestampMs > 0 ? message.TimestampMs : recordTimeMs;
                    if (message.Kind == MessageKind.Delete)
                    {
                        if (message.RoomId > 0 && message.Seq > 0)
                        {
                            fact = new DeleteFact(offset, message.RoomId, messageTimeMs, message.Seq);
                        }

                        return true;
                    }

                    // Chat only: system messages are not audience activity, and a gift's room message is
                    // counted from its gift-events record (once per gift, where the announcement may show a combo).
                    if (message.Kind is not (MessageKind.System or MessageKind.Gift) && message.UserId > 0 && message.RoomId > 0)
                    {
                        fact = new MessageFact(offset, message.RoomId, messageTimeMs, message.UserId, message.Seq);
                    }

                    return true;

                case StatsTopic.GiftEvents:
                    var gift = GiftEvent.Parser.ParseFrom(value);
                    if (gift.RoomId > 0 && gift.IdempotencyKey.Length > 0)
                    {
                        fact = new GiftFact(offset, gift.RoomId, gift.SentAtMs > 0 ? gift.SentAtMs : recordTimeMs, gift.IdempotencyKey, gift.SenderUserId, gift.AnchorUserId, gift.Count, gift.TotalValue);
                    }

                    return true;

                case StatsTopic.Sales:
                    var sale = SaleEvent.Parser.ParseFrom(value);
                    if (sale.RoomId > 0 && sale.OrderId.Length > 0)
                    {
                        fact = new SaleFact(offset, sale.RoomId, sale.PaidAtMs > 0 ? sale.PaidAtMs : recordTimeMs, sale.OrderId, sale.Units, sale.Coins);
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
