using Live.Outbox;

namespace Live.CommerceService.Data;

public sealed class ProductRecord
{
    public long Id { get; set; }
    public long AnchorUserId { get; set; }
    public string Name { get; set; } = string.Empty;
    public long Price { get; set; }
    public string ImageUrl { get; set; } = string.Empty;
    public DateTime CreatedAt { get; set; }
}

public sealed class SaleRecord
{
    public long Id { get; set; }
    public long ProductId { get; set; }
    public long RoomId { get; set; }
    public long AnchorUserId { get; set; }
    public int InitialStock { get; set; }
    public int PerUserLimit { get; set; }

    /// <summary>The product's price when the sale was scheduled; orders are charged this.</summary>
    public long UnitPrice { get; set; }

    public DateTime StartsAt { get; set; }
    public DateTime EndsAt { get; set; }
    public DateTime? CancelledAt { get; set; }

    /// <summary>Set by the one sweeper that announced the start in the room.</summary>
    public bool StartAnnounced { get; set; }

    public DateTime CreatedAt { get; set; }
}

public enum OrderState : byte
{
    Pending = 0,
    Paid = 1,
    Expired = 2,
}

public sealed class OrderRecord
{
    public long Id { get; set; }
    public long SaleId { get; set; }

    /// <summary>The reservation's number within the sale; (SaleId, Seq) is unique, which makes writes exactly once.</summary>
    public long Seq { get; set; }

    public long RoomId { get; set; }
    public long BuyerUserId { get; set; }
    public int Quantity { get; set; }
    public long Total { get; set; }
    public string IdempotencyKey { get; set; } = string.Empty;
    public OrderState Status { get; set; }

    /// <summary>An expired order whose units Redis has taken back.</summary>
    public bool StockReturned { get; set; }

    public DateTime ReservedAt { get; set; }
    public DateTime WrittenAt { get; set; }
    public DateTime? PaidAt { get; set; }
}

/// <summary>A user's shopping balance (ADR 0010: an own ledger, not the Gifts wallet).</summary>
public sealed class BalanceRecord
{
    public long UserId { get; set; }
    public long Balance { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// <summary>One movement of a balance: a top-up (+) or an order's payment (−); Reference is unique, so each happens once.</summary>
public sealed class LedgerRecord
{
    public long Id { get; set; }
    public long UserId { get; set; }
    public long Amount { get; set; }
    public string Reference { get; set; } = string.Empty;
    public DateTime CreatedAt { get; set; }
}

/// <summary>A row of `sale_outbox`: a paid order's SaleEvent, committed with the payment, waiting for Kafka.</summary>
public sealed class SaleOutboxRecord : RoomOutboxRecord;
