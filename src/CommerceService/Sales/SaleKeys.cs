using System.Collections.Concurrent;
using System.Globalization;
using StackExchange.Redis;

namespace Live.CommerceService.Sales;

/// <summary>
/// A sale's Redis keys, sharing the hash tag {sale:N} so they sit on one Redis Cluster shard and one script can
/// touch them all. Made once per sale and kept (bounded), so a purchase formats no key strings.
/// </summary>
public sealed class SaleKeys
{
    private const int MaxCached = 10_000;
    private static readonly ConcurrentDictionary<long, SaleKeys> Cache = new();

    private SaleKeys(long saleId)
    {
        var prefix = "commerce:{sale:" + saleId.ToString(CultureInfo.InvariantCulture) + "}";
        Sale = prefix;
        Bought = prefix + ":bought";
        IdempotencyKeys = prefix + ":keys";
        Returned = prefix + ":returned";
        StockAnnounced = prefix + ":stock-announced";
    }

    /// <summary>Hash: stock, limit, starts, ends, state, room, price, expires, seq.</summary>
    public RedisKey Sale { get; }

    /// <summary>Hash: buyer id → units reserved.</summary>
    public RedisKey Bought { get; }

    /// <summary>Hash: "buyer|key" → "seq:quantity".</summary>
    public RedisKey IdempotencyKeys { get; }

    /// <summary>Set: seqs of orders whose units went back to the stock.</summary>
    public RedisKey Returned { get; }

    /// <summary>Taken for a second by the node that announces "N left", so nodes do not repeat each other.</summary>
    public RedisKey StockAnnounced { get; }

    public static SaleKeys For(long saleId)
    {
        if (Cache.TryGetValue(saleId, out var keys))
        {
            return keys;
        }

        if (Cache.Count >= MaxCached)
        {
            Cache.Clear();
        }

        return Cache.GetOrAdd(saleId, static id => new SaleKeys(id));
    }
}
