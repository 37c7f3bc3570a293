using Confluent.Kafka;

namespace Live.CommerceService.Telemetry;

internal static partial class Log
{
    [LoggerMessage(EventId = 9000, Level = LogLevel.Information, Message = "Sale {SaleId} scheduled in room {RoomId}: {Stock} units, {Limit} per buyer, {StartsAt:o} to {EndsAt:o}")]
    public static partial void SaleScheduled(ILogger logger, long saleId, long roomId, int stock, int limit, DateTime startsAt, DateTime endsAt);

    [LoggerMessage(EventId = 9001, Level = LogLevel.Information, Message = "Sale {SaleId} cancelled by {Caller}")]
    public static partial void SaleCancelled(ILogger logger, long saleId, string caller);

    [LoggerMessage(EventId = 9002, Level = LogLevel.Warning, Message = "Sale {SaleId} was missing from Redis and was loaded again with {Stock} units (seq {Seq})")]
    public static partial void SaleReloaded(ILogger logger, long saleId, int stock, long seq);

    [LoggerMessage(EventId = 9010, Level = LogLevel.Warning, Message = "Reservation {SaleId}-{Seq} could not be sent to Kafka; the buyer's retry with the same key sends it again")]
    public static partial void ReservationNotSent(ILogger logger, long saleId, long seq, Exception exception);

    [LoggerMessage(EventId = 9020, Level = LogLevel.Error, Message = "Order writer: writing {Count} reservations failed; they are read again")]
    public static partial void WriteFailed(ILogger logger, int count, Exception exception);

    [LoggerMessage(EventId = 9021, Level = LogLevel.Warning, Message = "Order writer: Kafka consumer error {Code}: {Reason}")]
    public static partial void ConsumerError(ILogger logger, ErrorCode code, string reason);

    [LoggerMessage(EventId = 9022, Level = LogLevel.Warning, Message = "Order writer: a record of {Topic} at {Offset} is not a reservation and is skipped")]
    public static partial void UnreadableRecord(ILogger logger, string topic, TopicPartitionOffset offset, Exception exception);

    [LoggerMessage(EventId = 9030, Level = LogLevel.Information, Message = "Order {SaleId}-{Seq} expired unpaid; {Quantity} units returned to the sale (stock now {Stock})")]
    public static partial void OrderExpired(ILogger logger, long saleId, long seq, int quantity, long stock);

    [LoggerMessage(EventId = 9031, Level = LogLevel.Warning, Message = "Sweep failed; the next one retries")]
    public static partial void SweepFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 9040, Level = LogLevel.Warning, Message = "Sale {SaleId} does not reconcile: initial {Initial}, Redis stock {Stock}, units in MySQL orders {Held}, difference {Difference}")]
    public static partial void Unreconciled(ILogger logger, long saleId, int initial, int stock, long held, long difference);

    [LoggerMessage(EventId = 9050, Level = LogLevel.Warning, Message = "Room {RoomId} did not take the message for sale {SaleId} ({Kind}): {Reason}")]
    public static partial void AnnouncementRefused(ILogger logger, long roomId, long saleId, string kind, string reason);

    [LoggerMessage(EventId = 9051, Level = LogLevel.Warning, Message = "Announcement queue full; the message for sale {SaleId} ({Kind}) is dropped")]
    public static partial void AnnouncementDropped(ILogger logger, long saleId, string kind);

    [LoggerMessage(EventId = 9060, Level = LogLevel.Warning, Message = "The used keys of sold-out sale {SaleId} could not be loaded; Redis keeps answering its presses")]
    public static partial void SoldOutKeysNotLoaded(ILogger logger, long saleId, Exception exception);
}
