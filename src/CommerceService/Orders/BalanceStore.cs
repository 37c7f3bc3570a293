using Live.CommerceService.Data;
using Live.CommerceService.Sales;
using Live.ServiceDefaults.Grpc;
using Microsoft.EntityFrameworkCore;
using MySqlConnector;

namespace Live.CommerceService.Orders;

/// <summary>Shopping balances: top-ups are ledger entries with a unique reference, so each key credits once.</summary>
public sealed class BalanceStore(CommerceDbContext db, TimeProvider time)
{
    public const long MaxTopUp = 1_000_000_000;

    public async Task<long> TopUpAsync(long userId, long amount, string idempotencyKey, CancellationToken ct)
    {
        RpcErrors.RequirePositiveId(userId, "user_id");
        PurchaseKey.Require(idempotencyKey, "idempotency_key");
        if (amount is < 1 or > MaxTopUp)
        {
            RpcErrors.InvalidArgument($"amount must be 1..{MaxTopUp}; got {amount}.");
        }

        var now = time.GetUtcNow().UtcDateTime;
        var reference = "topup:" + idempotencyKey;
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        try
        {
            await db.Database.ExecuteSqlAsync(
                $"INSERT INTO ledger (user_id, amount, reference, created_at) VALUES ({userId}, {amount}, {reference}, {now})", ct);
        }
        catch (MySqlException ex) when (ex.ErrorCode == MySqlErrorCode.DuplicateKeyEntry)
        {
            await transaction.RollbackAsync(ct);
            var earlier = await db.Ledger.AsNoTracking().SingleAsync(e => e.Reference == reference, ct);
            if (earlier.UserId != userId || earlier.Amount != amount)
            {
                RpcErrors.InvalidArgument($"idempotency_key {idempotencyKey} was already used for a different top-up.");
            }

            return await BalanceAsync(userId, ct);
        }

        await db.Database.ExecuteSqlAsync(
            $"INSERT INTO balances (user_id, balance, updated_at) VALUES ({userId}, {amount}, {now}) ON DUPLICATE KEY UPDATE balance = balance + VALUES(balance), updated_at = VALUES(updated_at)",
            ct);
        var balance = await BalanceAsync(userId, ct);
        await transaction.CommitAsync(ct);
        return balance;
    }

    private async Task<long> BalanceAsync(long userId, CancellationToken ct) =>
        await db.Balances.AsNoTracking().Where(b => b.UserId == userId).Select(b => (long?)b.Balance).SingleOrDefaultAsync(ct) ?? 0;
}
