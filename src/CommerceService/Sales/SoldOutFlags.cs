using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Live.CommerceService.Sales;

/// <summary>
/// Sales this node saw sold out, answered from memory for <see cref="CommerceOptions.SoldOutFlagMs"/> so the
/// presses after the last unit never reach Redis. The flag expires because stock can come back (an unpaid
/// order's units return). Bounded: past <see cref="MaxSales"/> flags, all are forgotten (they only save work).
/// </summary>
public sealed class SoldOutFlags(IOptions<CommerceOptions> options, TimeProvider time)
{
    private const int MaxSales = 10_000;
    private readonly ConcurrentDictionary<long, long> soldOutUntil = new();
    private readonly long flagTicks = options.Value.SoldOutFlagMs * TimeSpan.TicksPerMillisecond;

    public bool IsSoldOut(long saleId) =>
        soldOutUntil.TryGetValue(saleId, out var until) && time.GetUtcNow().UtcTicks < until;

    public void MarkSoldOut(long saleId)
    {
        if (flagTicks == 0)
        {
            return;
        }

        if (soldOutUntil.Count >= MaxSales)
        {
            soldOutUntil.Clear();
        }

        soldOutUntil[saleId] = time.GetUtcNow().UtcTicks + flagTicks;
    }

    /// <summary>Units came back to the sale: ask Redis again at once.</summary>
    public void Clear(long saleId) => soldOutUntil.TryRemove(saleId, out _);
}
