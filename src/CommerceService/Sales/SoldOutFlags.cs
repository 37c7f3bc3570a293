using System.Collections.Concurrent;
using System.Globalization;
using Live.CommerceService.Telemetry;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Live.CommerceService.Sales;

/// <summary>
/// Sales this node saw sold out, answered from memory for <see cref="CommerceOptions.SoldOutFlagMs"/> so the
/// presses after the last unit never reach Redis. When a node first sees a sale sold out it also loads the sale's
/// used idempotency keys once (HSCAN, bounded by the sale's reservations); presses wait for that load (briefly: past
/// it they go to Redis as before), then a known key gets its original order back and any other key "sold out", both
/// from memory. The flag expires because stock can come back (an unpaid order's units return); its keys go with it.
/// Bounded: past <see cref="MaxSales"/> flags or <see cref="MaxKnownKeys"/> loaded keys, flags are forgotten (they only save work).
/// </summary>
public sealed class SoldOutFlags(IOptions<CommerceOptions> options, TimeProvider time, IConnectionMultiplexer redis, ILogger<SoldOutFlags> logger)
{
    private const int MaxSales = 10_000;
    private const int MaxKnownKeys = 2_000_000;
    private static readonly TimeSpan MaxLoadWait = TimeSpan.FromMilliseconds(500);
    private readonly ConcurrentDictionary<long, SoldOutSale> flags = new();
    private readonly long flagTicks = options.Value.SoldOutFlagMs * TimeSpan.TicksPerMillisecond;
    private int knownKeys;

    /// <summary>
    /// What the node can answer for this sale without Redis, or null when Redis must decide. A press that meets
    /// a flag whose keys are still loading waits for them (at most <see cref="MaxLoadWait"/>) rather than adding
    /// to the crowd at Redis right after the sell-out.
    /// </summary>
    public ValueTask<SoldOutSale?> LookupAsync(long saleId)
    {
        if (!flags.TryGetValue(saleId, out var sale))
        {
            return ValueTask.FromResult<SoldOutSale?>(null);
        }

        if (time.GetUtcNow().UtcTicks >= sale.Until)
        {
            Forget(saleId, sale);
            return ValueTask.FromResult<SoldOutSale?>(null);
        }

        return sale.Loaded ? ValueTask.FromResult<SoldOutSale?>(sale) : WaitForKeysAsync(sale);
    }

    private static async ValueTask<SoldOutSale?> WaitForKeysAsync(SoldOutSale sale)
    {
        try
        {
            await sale.LoadFinished.WaitAsync(MaxLoadWait);
        }
        catch (TimeoutException)
        {
            return null;
        }

        return sale.Loaded ? sale : null;
    }

    /// <summary>True when a flag is up and its keys are loaded (tests wait on it).</summary>
    public bool IsLoaded(long saleId) => flags.TryGetValue(saleId, out var sale) && sale.Loaded;

    public void MarkSoldOut(long saleId)
    {
        if (flagTicks == 0)
        {
            return;
        }

        var until = time.GetUtcNow().UtcTicks + flagTicks;
        if (flags.TryGetValue(saleId, out var existing) && time.GetUtcNow().UtcTicks < existing.Until)
        {
            existing.Until = until;
            return;
        }

        if (flags.Count >= MaxSales || Volatile.Read(ref knownKeys) >= MaxKnownKeys)
        {
            foreach (var (id, sale) in flags)
            {
                Forget(id, sale);
            }
        }

        var fresh = new SoldOutSale(saleId) { Until = until };
        if (flags.TryAdd(saleId, fresh) || flags.TryUpdate(saleId, fresh, existing!))
        {
            _ = LoadKeysAsync(fresh);
        }
    }

    /// <summary>Units came back to the sale: ask Redis again at once.</summary>
    public void Clear(long saleId)
    {
        if (flags.TryGetValue(saleId, out var sale))
        {
            Forget(saleId, sale);
        }
    }

    private void Forget(long saleId, SoldOutSale sale)
    {
        if (flags.TryRemove(new KeyValuePair<long, SoldOutSale>(saleId, sale)))
        {
            Interlocked.Add(ref knownKeys, -sale.Retire());
        }
    }

    private async Task LoadKeysAsync(SoldOutSale sale)
    {
        try
        {
            var keys = SaleKeys.For(sale.SaleId);
            var db = redis.GetDatabase();
            var facts = await db.HashGetAsync(keys.Sale, ["room", "price"]);
            var orders = new Dictionary<string, KnownOrder>(StringComparer.Ordinal);
            await foreach (var entry in db.HashScanAsync(keys.IdempotencyKeys, pageSize: 1_000))
            {
                if (orders.Count >= SaleStore.MaxStock || Volatile.Read(ref knownKeys) + orders.Count >= MaxKnownKeys)
                {
                    // More than a sale can hold, or over the node's budget: leave this sale to Redis.
                    Forget(sale.SaleId, sale);
                    return;
                }

                var value = (string)entry.Value!;
                var colon = value.IndexOf(':', StringComparison.Ordinal);
                orders[(string)entry.Name!] = new KnownOrder(
                    long.Parse(value.AsSpan(0, colon), CultureInfo.InvariantCulture), int.Parse(value.AsSpan(colon + 1), CultureInfo.InvariantCulture));
            }

            if (sale.Publish(orders, (long)facts[0], (long)facts[1]))
            {
                Interlocked.Add(ref knownKeys, orders.Count);
            }
        }
        catch (Exception ex) when (ex is RedisException or FormatException or InvalidCastException)
        {
            // Without the keys the flag cannot tell a winner's retry from a newcomer: Redis keeps deciding.
            Log.SoldOutKeysNotLoaded(logger, sale.SaleId, ex);
            Forget(sale.SaleId, sale);
        }
    }
}

/// <summary>A reservation made before the sale sold out: its seq and quantity, as reserve.lua stored them.</summary>
public readonly record struct KnownOrder(long Seq, int Quantity);

/// <summary>One sold-out sale on this node: until when, and (once loaded) the keys of its reservations.</summary>
public sealed class SoldOutSale(long saleId)
{
    private readonly Lock gate = new();
    private readonly TaskCompletionSource loadFinished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile IReadOnlyDictionary<string, KnownOrder>? orders;
    private bool retired;

    /// <summary>Completes when the keys are in, or when the flag was dropped without them.</summary>
    public Task LoadFinished => loadFinished.Task;

    public long SaleId { get; } = saleId;
    public long Until { get; set; }
    public long RoomId { get; private set; }
    public long UnitPrice { get; private set; }
    public bool Loaded => orders is not null;
    public int KeyCount => orders?.Count ?? 0;

    /// <param name="buyerKey">"buyer|idempotency key", as reserve.lua stores it.</param>
    public bool TryGetOrder(string buyerKey, out KnownOrder order)
    {
        order = default;
        return orders is { } known && known.TryGetValue(buyerKey, out order);
    }

    /// <returns>False when the flag was dropped while loading (the keys are not kept).</returns>
    internal bool Publish(IReadOnlyDictionary<string, KnownOrder> loaded, long roomId, long unitPrice)
    {
        lock (gate)
        {
            if (retired)
            {
                return false;
            }

            RoomId = roomId;
            UnitPrice = unitPrice;
            orders = loaded;
            loadFinished.TrySetResult();
            return true;
        }
    }

    /// <returns>How many keys it held (they leave the node's budget).</returns>
    internal int Retire()
    {
        lock (gate)
        {
            retired = true;
            var count = KeyCount;
            orders = null;
            loadFinished.TrySetResult();
            return count;
        }
    }
}
