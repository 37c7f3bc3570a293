using Live.Outbox;

namespace Live.Gifts.Events;

/// <summary>A row of `gift_outbox`: a GiftEvent committed with its ledger row, waiting for Kafka.</summary>
public sealed class GiftOutboxRecord : RoomOutboxRecord;
