using Live.Redis;
using StackExchange.Redis;

namespace Live.CommerceService.Sales;

/// <summary>A sale's state in Redis outside of purchases: loading it, cancelling it, giving expired orders' units back.</summary>
public sealed class SaleStock(IConnectionMultiplexer redis)
{
    /// <summary>The per-sale keys live a day past the sale's end, for late retries and the reconciliation.</summary>
    public static readonly TimeSpan KeptAfterEnd = TimeSpan.FromDays(1);

    private static readonly string InitScript = EmbeddedLuaScript.Read<SaleStock>("init-sale.lua");
    private static readonly string ReleaseScript = EmbeddedLuaScript.Read<SaleStock>("release.lua");

    /// <summary>Loads the sale unless Redis has it; true when it wrote it.</summary>
    public async Task<bool> LoadAsync(SaleSnapshot sale, int stock, long seq)
    {
        var keys = SaleKeys.For(sale.Id);
        var result = await redis.GetDatabase().ScriptEvaluateAsync(InitScript, [keys.Sale],
        [
            stock,
            sale.PerUserLimit,
            ToMs(sale.StartsAt),
            ToMs(sale.EndsAt),
            sale.Cancelled ? "cancelled" : "scheduled",
            sale.RoomId,
            sale.UnitPrice,
            ToMs(sale.EndsAt + KeptAfterEnd),
            seq,
        ]);
        return (int)result == 1;
    }

    public Task CancelAsync(long saleId) =>
        redis.GetDatabase().HashSetAsync(SaleKeys.For(saleId).Sale, "state", "cancelled");

    /// <summary>Units Redis holds for sale; null when it holds nothing for the sale.</summary>
    public async Task<int?> RemainingAsync(long saleId)
    {
        var stock = await redis.GetDatabase().HashGetAsync(SaleKeys.For(saleId).Sale, "stock");
        return stock.IsNull ? null : (int)stock;
    }

    /// <summary>Gives an order's units back once; the stock after, -1 when given back before, -2 when the sale's state is gone.</summary>
    public async Task<long> ReturnAsync(long saleId, long seq, long buyerUserId, int quantity)
    {
        var keys = SaleKeys.For(saleId);
        var result = await redis.GetDatabase().ScriptEvaluateAsync(ReleaseScript, [keys.Sale, keys.Bought, keys.Returned], [seq, buyerUserId, quantity]);
        return (long)result;
    }

    private static long ToMs(DateTime utc) => new DateTimeOffset(utc, TimeSpan.Zero).ToUnixTimeMilliseconds();
}

/// <summary>What Redis needs to know of a sale.</summary>
public sealed record SaleSnapshot(long Id, long RoomId, int InitialStock, int PerUserLimit, long UnitPrice, DateTime StartsAt, DateTime EndsAt, bool Cancelled);
