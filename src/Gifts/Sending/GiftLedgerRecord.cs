namespace Live.Gifts.Sending;

/// <summary>A row of `gift_ledger`: one sent gift, written once per idempotency key (unique index).</summary>
public sealed class GiftLedgerRecord
{
    public long Id { get; set; }
    public string IdempotencyKey { get; set; } = string.Empty;
    public long RoomId { get; set; }
    public long SenderUserId { get; set; }
    public long AnchorUserId { get; set; }
    public int GiftId { get; set; }
    public int Count { get; set; }
    public long UnitPrice { get; set; }
    public long TotalValue { get; set; }
    public long BalanceAfter { get; set; }
    public DateTime CreatedAt { get; set; }
}
