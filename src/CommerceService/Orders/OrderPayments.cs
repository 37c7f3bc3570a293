using System.Diagnostics;
using Google.Protobuf;
using Live.CommerceService.Data;
using Live.CommerceService.Telemetry;
using Live.V1;
using Microsoft.EntityFrameworkCore;

namespace Live.CommerceService.Orders;

/// <summary>An order as a payment needs it.</summary>
public sealed record PayableOrder(long SaleId, long Seq, long RoomId, long BuyerUserId, int Quantity, long Total);

/// <summary>
/// Debits an order from its buyer's shopping balance, at most once, and marks it paid in the same transaction,
/// together with the sale outbox row that tells StatsService about it (so a paid order is counted, and only a paid one).
/// </summary>
public sealed class OrderPayments(CommerceDbContext db, SaleOutboxSignal signal, CommerceMetrics metrics, TimeProvider time)
{
    private const string PaidEventType = "order.paid";

    /// <summary>True when this call paid the order; false when it was not pending or the balance was short.</summary>
    public async Task<bool> TryPayAsync(PayableOrder order, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var orderId = OrderIds.Format(order.SaleId, order.Seq);
        var reference = "order:" + orderId;
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        // The order row first (locked until commit): an expiry that comes later sees it paid, one that came
        // earlier leaves nothing to pay.
        var marked = await db.Database.ExecuteSqlAsync(
            $"UPDATE orders SET status = {(byte)OrderState.Paid}, paid_at = {now} WHERE sale_id = {order.SaleId} AND seq = {order.Seq} AND status = {(byte)OrderState.Pending}",
            ct);
        if (marked == 0)
        {
            return false;
        }

        var total = order.Total;
        var debited = total == 0 || await db.Database.ExecuteSqlAsync(
            $"UPDATE balances SET balance = balance - {total}, updated_at = {now} WHERE user_id = {order.BuyerUserId} AND balance >= {total}",
            ct) == 1;
        if (!debited)
        {
            await transaction.RollbackAsync(ct);
            return false;
        }

        await db.Database.ExecuteSqlAsync(
            $"INSERT INTO ledger (user_id, amount, reference, created_at) VALUES ({order.BuyerUserId}, {-total}, {reference}, {now})",
            ct);
        AddSaleEvent(order, orderId, now);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        db.ChangeTracker.Clear();
        signal.Notify();
        metrics.OrderPaid();
        return true;
    }

    private void AddSaleEvent(PayableOrder order, string orderId, DateTime now)
    {
        var evt = new SaleEvent
        {
            OrderId = orderId,
            SaleId = order.SaleId,
            RoomId = order.RoomId,
            BuyerUserId = order.BuyerUserId,
            Units = order.Quantity,
            Coins = order.Total,
            PaidAtMs = new DateTimeOffset(now, TimeSpan.Zero).ToUnixTimeMilliseconds(),
        };
        var activity = Activity.Current;
        db.SaleOutbox.Add(new SaleOutboxRecord
        {
            RoomId = order.RoomId,
            EventId = orderId,
            EventType = PaidEventType,
            Payload = evt.ToByteArray(),
            TraceParent = activity?.IdFormat == ActivityIdFormat.W3C ? activity.Id : null,
            TraceState = activity?.TraceStateString,
            CreatedAt = now,
        });
    }
}
