using Live.Gifts.Data;
using Live.Gifts.Sending;
using Live.ServiceDefaults.Grpc;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using MySqlConnector;

namespace Live.Gifts.Wallets;

/// <summary>Wallet balances and idempotent credits.</summary>
public sealed class WalletStore(GiftsDbContext db, TimeProvider time)
{
    public const long MaxCredit = 1_000_000_000;

    public async Task<long> GetBalanceAsync(long userId, CancellationToken ct) =>
        await db.Wallets.AsNoTracking().Where(w => w.UserId == userId).Select(w => (long?)w.Balance).SingleOrDefaultAsync(ct) ?? 0;

    /// <summary>Adds coins once per key; a retry (same key, user and amount) changes nothing.</summary>
    public async Task<long> CreditAsync(long userId, long amount, string idempotencyKey, CancellationToken ct)
    {
        RpcErrors.RequirePositiveId(userId, "user_id");
        IdempotencyKey.Require(idempotencyKey, "idempotency_key");
        if (amount < 1 || amount > MaxCredit)
        {
            RpcErrors.InvalidArgument($"amount must be 1..{MaxCredit}; got {amount}.");
        }

        var now = time.GetUtcNow().UtcDateTime;
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        // On the connection itself: a taken key is an expected outcome, not an error for EF to log.
        await using var insert = new MySqlCommand(
            "INSERT INTO wallet_credits (idempotency_key, user_id, amount, created_at) VALUES (@key, @user, @amount, @at)",
            (MySqlConnection)db.Database.GetDbConnection(),
            (MySqlTransaction)transaction.GetDbTransaction());
        insert.Parameters.AddWithValue("@key", idempotencyKey);
        insert.Parameters.AddWithValue("@user", userId);
        insert.Parameters.AddWithValue("@amount", amount);
        insert.Parameters.AddWithValue("@at", now);
        var inserted = true;
        try
        {
            await insert.ExecuteNonQueryAsync(ct);
        }
        catch (MySqlException ex) when (ex.ErrorCode == MySqlErrorCode.DuplicateKeyEntry)
        {
            inserted = false;
        }

        if (!inserted)
        {
            await transaction.RollbackAsync(ct);
            var earlier = await db.Credits.AsNoTracking().SingleAsync(c => c.IdempotencyKey == idempotencyKey, ct);
            if (earlier.UserId != userId || earlier.Amount != amount)
            {
                RpcErrors.InvalidArgument($"idempotency_key {idempotencyKey} was already used for a different credit.");
            }

            return await GetBalanceAsync(userId, ct);
        }

        await db.Database.ExecuteSqlAsync(
            $"INSERT INTO wallets (user_id, balance, updated_at) VALUES ({userId}, {amount}, {now}) ON DUPLICATE KEY UPDATE balance = balance + VALUES(balance), updated_at = VALUES(updated_at)",
            ct);
        var balance = await db.Wallets.Where(w => w.UserId == userId).Select(w => w.Balance).SingleAsync(ct);
        await transaction.CommitAsync(ct);
        return balance;
    }
}
