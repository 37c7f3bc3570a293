using Live.CommerceService.Data;
using Live.CommerceService.Sales;
using Live.CommerceService.Telemetry;
using Microsoft.EntityFrameworkCore;

namespace Live.CommerceService.Orders;

/// <summary>
/// Checks, per sale that is running or ended within the last hour, that every unit is accounted for:
/// initial stock = Redis stock + units MySQL's orders hold (pending, paid, or expired and not yet returned).
/// The difference goes to a gauge; a difference seen on two passes in a row is logged (one pass may catch
/// reservations still on their way through Kafka).
/// </summary>
public sealed class SaleReconciler(
    IServiceScopeFactory scopes,
    SaleStock stock,
    CommerceMetrics metrics,
    TimeProvider time,
    ILogger<SaleReconciler> logger)
{
    private const int MaxSalesPerPass = 1_000;
    private static readonly TimeSpan Lookback = TimeSpan.FromHours(1);

    // The previous pass's non-zero differences; only the reconciling loop touches it.
    private Dictionary<long, long> previous = [];

    /// <summary>Runs one pass; returns the difference of every sale it looked at (0 where it holds).</summary>
    public async Task<IReadOnlyDictionary<long, long>> ReconcileAsync(CancellationToken ct)
    {
        var since = time.GetUtcNow().UtcDateTime - Lookback;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CommerceDbContext>();
        var sales = await db.Sales.AsNoTracking().Where(s => s.EndsAt > since).OrderBy(s => s.Id).Take(MaxSalesPerPass)
            .Select(s => new { s.Id, s.InitialStock }).ToListAsync(ct);
        var ids = sales.Select(s => s.Id).ToList();
        var held = await HeldUnitsAsync(db, ids, ct);

        var differences = new Dictionary<long, long>(sales.Count);
        var nonZero = new Dictionary<long, long>();
        foreach (var sale in sales)
        {
            if (await stock.RemainingAsync(sale.Id) is not { } remaining)
            {
                continue;
            }

            var units = held.GetValueOrDefault(sale.Id);
            var difference = sale.InitialStock - remaining - units;
            differences[sale.Id] = difference;
            if (difference != 0)
            {
                nonZero[sale.Id] = difference;
                if (previous.TryGetValue(sale.Id, out var before) && before == difference)
                {
                    Log.Unreconciled(logger, sale.Id, sale.InitialStock, remaining, units, difference);
                }
            }
        }

        previous = nonZero;
        metrics.Reconciled(differences);
        return differences;
    }

    /// <summary>Units the orders of each sale hold: all but those expired whose units Redis took back.</summary>
    public static async Task<Dictionary<long, long>> HeldUnitsAsync(CommerceDbContext db, List<long> saleIds, CancellationToken ct)
    {
        if (saleIds.Count == 0)
        {
            return [];
        }

        var rows = await db.Orders.AsNoTracking()
            .Where(o => saleIds.Contains(o.SaleId) && !(o.Status == OrderState.Expired && o.StockReturned))
            .GroupBy(o => o.SaleId)
            .Select(g => new { SaleId = g.Key, Units = g.Sum(o => (long)o.Quantity) })
            .ToListAsync(ct);
        return rows.ToDictionary(r => r.SaleId, r => r.Units);
    }
}
