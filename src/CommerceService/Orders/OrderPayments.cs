using Live.CommerceService.Data;
using Live.CommerceService.Telemetry;
using Microsoft.EntityFrameworkCore;

namespace Live.CommerceService.Orders;

/// <summary>Debits an order from its buyer's shopping balance, at most once, and marks it paid in the same transaction.</summary>
public sealed class OrderPayments(CommerceDbContext db, CommerceMetrics metrics, TimeProvider time)
{
    /// <summary>True when this call paid the order; false when it was not pending or the balance was short.</summary>
    public async Task<bool> TryPayAsync(long saleId, long seq, long buyerUserId, long total, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var reference = "order:" + OrderIds.Format(saleId, seq);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        // The order row first (locked until commit): an expiry that comes later sees it paid, one that came
        // earlier leaves nothing to pay.
        var marked = await db.Database.ExecuteSqlAsync(
            $"UPDATE orders SET status = {(byte)OrderState.Paid}, paid_at = {now} WHERE sale_id = {saleId} AND seq = {seq} AND status = {(byte)OrderState.Pending}",
            ct);
        if (marked == 0)
        {
            return false;
        }

        var debited = total == 0 || await db.Database.ExecuteSqlAsync(
            $"UPDATE balances SET balance = balance - {total}, updated_at = {now} WHERE user_id = {buyerUserId} AND balance >= {total}",
            ct) == 1;
        if (!debited)
        {
            await transaction.RollbackAsync(ct);
            return false;
        }

        await db.Database.ExecuteSqlAsync(
            $"INSERT INTO ledger (user_id, amount, reference, created_at) VALUES ({buyerUserId}, {-total}, {reference}, {now})",
            ct);
        await transaction.CommitAsync(ct);
        metrics.OrderPaid();
        return true;
    }
}
