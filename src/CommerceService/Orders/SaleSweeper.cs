using Live.CommerceService.Announcing;
using Live.CommerceService.Data;
using Live.CommerceService.Sales;
using Live.CommerceService.Telemetry;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MySqlConnector;
using StackExchange.Redis;

namespace Live.CommerceService.Orders;

/// <summary>
/// The periodic work of sales, safe on every node at once: loads running sales that Redis lost, announces
/// starts (claimed once in MySQL), retries payments of pending orders, expires the ones past the payment
/// timeout and gives their units back (release.lua is once per order), and reconciles.
/// </summary>
public sealed class SaleSweeper(
    IServiceScopeFactory scopes,
    SaleStock stock,
    SoldOutFlags soldOut,
    SaleAnnouncer announcer,
    SaleReconciler reconciler,
    CommerceMetrics metrics,
    IOptions<CommerceOptions> options,
    TimeProvider time,
    ILogger<SaleSweeper> logger) : BackgroundService
{
    private const int MaxPerPass = 500;
    private readonly CommerceOptions settings = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(settings.SweepIntervalMs));
        var nextReconcile = time.GetUtcNow();
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    // A pass under way is finished at a stop (bounded by the command timeouts): cancelled mid-command,
                    // EF logs the cancelled statement as a database error. The wait between passes is what a stop ends.
                    await SweepAsync(CancellationToken.None);
                    if (time.GetUtcNow() >= nextReconcile)
                    {
                        await reconciler.ReconcileAsync(CancellationToken.None);
                        nextReconcile = time.GetUtcNow().AddSeconds(settings.ReconcileIntervalSeconds);
                    }
                }
                catch (Exception ex) when (ex is MySqlException or RedisException or TimeoutException or InvalidOperationException or DbUpdateException)
                {
                    Log.SweepFailed(logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One pass (the tests call it to skip the wait).</summary>
    public async Task SweepAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CommerceDbContext>();
        var now = time.GetUtcNow().UtcDateTime;
        await LoadRunningSalesAsync(db, now, ct);
        await AnnounceStartsAsync(db, now, ct);
        await RetryPaymentsAsync(db, scope.ServiceProvider.GetRequiredService<OrderPayments>(), now, ct);
        await ExpireUnpaidAsync(db, now, ct);
    }

    private async Task LoadRunningSalesAsync(CommerceDbContext db, DateTime now, CancellationToken ct)
    {
        var sales = await db.Sales.AsNoTracking().Where(s => s.EndsAt > now).OrderBy(s => s.EndsAt).Take(MaxPerPass).ToListAsync(ct);
        foreach (var sale in sales)
        {
            if (await stock.RemainingAsync(sale.Id) is not null)
            {
                continue;
            }

            // Redis lost the sale: what MySQL's orders hold is sold (reservations still in Kafka are not seen).
            var orders = db.Orders.AsNoTracking().Where(o => o.SaleId == sale.Id);
            var held = (await SaleReconciler.HeldUnitsAsync(db, [sale.Id], ct)).GetValueOrDefault(sale.Id);
            var seq = await orders.MaxAsync(o => (long?)o.Seq, ct) ?? 0;
            var left = (int)Math.Max(0, sale.InitialStock - held);
            if (await stock.LoadAsync(SaleStoreMapping.Snapshot(sale), left, seq))
            {
                Log.SaleReloaded(logger, sale.Id, left, seq);
            }
        }
    }

    private async Task AnnounceStartsAsync(CommerceDbContext db, DateTime now, CancellationToken ct)
    {
        var due = await db.Sales.AsNoTracking()
            .Where(s => !s.StartAnnounced && s.CancelledAt == null && s.StartsAt <= now && s.EndsAt > now)
            .Join(db.Products, s => s.ProductId, p => p.Id, (s, p) => new { Sale = s, p.Name })
            .OrderBy(x => x.Sale.StartsAt).Take(MaxPerPass).ToListAsync(ct);
        foreach (var item in due)
        {
            // Whichever node flips the flag announces; the others see 0 rows.
            var claimed = await db.Sales.Where(s => s.Id == item.Sale.Id && !s.StartAnnounced)
                .ExecuteUpdateAsync(u => u.SetProperty(s => s.StartAnnounced, true), ct);
            if (claimed == 1)
            {
                var left = await stock.RemainingAsync(item.Sale.Id) ?? item.Sale.InitialStock;
                announcer.SaleStarted(item.Sale.Id, item.Sale.RoomId, item.Name, left, item.Sale.UnitPrice);
            }
        }
    }

    private async Task RetryPaymentsAsync(CommerceDbContext db, OrderPayments payments, DateTime now, CancellationToken ct)
    {
        // The writer tried each order once as it wrote it; these are the ones whose balance was short then and
        // covers them now (a top-up since), so orders nobody can pay for are not locked again and again.
        var writtenBefore = now.AddSeconds(-1);
        var pending = await db.Orders.AsNoTracking()
            .Where(o => o.Status == OrderState.Pending && o.WrittenAt < writtenBefore)
            .Join(db.Balances, o => o.BuyerUserId, b => b.UserId, (o, b) => new { Order = o, b.Balance })
            .Where(x => x.Balance >= x.Order.Total)
            .OrderBy(x => x.Order.Id).Take(MaxPerPass)
            .Select(x => new PayableOrder(x.Order.SaleId, x.Order.Seq, x.Order.RoomId, x.Order.BuyerUserId, x.Order.Quantity, x.Order.Total)).ToListAsync(ct);
        foreach (var order in pending)
        {
            // A payment's transaction is never cut off halfway by a stop; the loop stops between payments.
            ct.ThrowIfCancellationRequested();
            await payments.TryPayAsync(order, CancellationToken.None);
        }
    }

    private async Task ExpireUnpaidAsync(CommerceDbContext db, DateTime now, CancellationToken ct)
    {
        var cutoff = now.AddSeconds(-settings.PaymentTimeoutSeconds);
        // Expired in MySQL first: from then on no payment can take the order, so giving its units back cannot
        // sell them twice. A crash between the two steps leaves stock_returned = 0, which the next pass finishes.
        await db.Orders.Where(o => o.Status == OrderState.Pending && o.ReservedAt < cutoff)
            .ExecuteUpdateAsync(u => u.SetProperty(o => o.Status, OrderState.Expired), ct);
        var toReturn = await db.Orders.AsNoTracking()
            .Where(o => o.Status == OrderState.Expired && !o.StockReturned)
            .OrderBy(o => o.Id).Take(MaxPerPass)
            .Select(o => new { o.Id, o.SaleId, o.Seq, o.BuyerUserId, o.Quantity }).ToListAsync(ct);
        foreach (var order in toReturn)
        {
            var after = await stock.ReturnAsync(order.SaleId, order.Seq, order.BuyerUserId, order.Quantity);
            await db.Orders.Where(o => o.Id == order.Id).ExecuteUpdateAsync(u => u.SetProperty(o => o.StockReturned, true), ct);
            if (after >= 0)
            {
                soldOut.Clear(order.SaleId);
                metrics.OrderExpired();
                Log.OrderExpired(logger, order.SaleId, order.Seq, order.Quantity, after);
            }
        }
    }
}
