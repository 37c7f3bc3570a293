namespace Live.Gifts.Wallets;

/// <summary>A row of `wallets`: coins of one user. The balance is never negative (a CHECK and conditional debits).</summary>
public sealed class WalletRecord
{
    public long UserId { get; set; }
    public long Balance { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// <summary>A row of `wallet_credits`: one credit per idempotency key.</summary>
public sealed class WalletCreditRecord
{
    public long Id { get; set; }
    public string IdempotencyKey { get; set; } = string.Empty;
    public long UserId { get; set; }
    public long Amount { get; set; }
    public DateTime CreatedAt { get; set; }
}
