using Google.Protobuf.WellKnownTypes;
using Live.CommerceService.Data;
using Live.ServiceDefaults.Grpc;
using Live.V1;
using Microsoft.EntityFrameworkCore;

namespace Live.CommerceService.Sales;

/// <summary>Products and sales in MySQL, and the sale's copy in Redis that purchases decide on.</summary>
public sealed class SaleStore(CommerceDbContext db, SaleStock stock, TimeProvider time)
{
    public const int MaxStock = 1_000_000;
    public const long MaxPrice = 100_000_000;
    public static readonly TimeSpan MaxDuration = TimeSpan.FromDays(7);
    private static readonly TimeSpan CancelledListed = TimeSpan.FromHours(1);

    public async Task<ProductRecord> CreateProductAsync(long anchorUserId, string name, long price, string imageUrl, CancellationToken ct)
    {
        RpcErrors.RequirePositiveId(anchorUserId, "anchor_user_id");
        name = name.Trim();
        if (name.Length is 0 or > 100)
        {
            RpcErrors.InvalidArgument($"name must be 1..100 characters; got {name.Length}.");
        }

        if (price is < 1 or > MaxPrice)
        {
            RpcErrors.InvalidArgument($"price must be 1..{MaxPrice} coins; got {price}.");
        }

        if (imageUrl.Length > 512 || (imageUrl.Length > 0
            && !(Uri.TryCreate(imageUrl, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp))))
        {
            RpcErrors.InvalidArgument("image_url must be empty or an absolute http(s) URL of at most 512 characters.");
        }

        var product = new ProductRecord { AnchorUserId = anchorUserId, Name = name, Price = price, ImageUrl = imageUrl, CreatedAt = time.GetUtcNow().UtcDateTime };
        db.Products.Add(product);
        await db.SaveChangesAsync(ct);
        return product;
    }

    public Task<ProductRecord?> FindProductAsync(long productId, CancellationToken ct) =>
        db.Products.AsNoTracking().SingleOrDefaultAsync(p => p.Id == productId, ct);

    /// <summary>Writes the sale to MySQL, then loads it into Redis with its whole stock.</summary>
    public async Task<SaleRecord> ScheduleAsync(long roomId, ProductRecord product, int stockUnits, int perUserLimit, Timestamp? startsAt, Timestamp? endsAt, CancellationToken ct)
    {
        if (stockUnits is < 1 or > MaxStock)
        {
            RpcErrors.InvalidArgument($"stock must be 1..{MaxStock}; got {stockUnits}.");
        }

        if (perUserLimit < 1 || perUserLimit > stockUnits)
        {
            RpcErrors.InvalidArgument($"per_user_limit must be 1..stock ({stockUnits}); got {perUserLimit}.");
        }

        var now = time.GetUtcNow().UtcDateTime;
        var starts = startsAt is null ? now : startsAt.ToDateTime();
        if (endsAt is null)
        {
            RpcErrors.InvalidArgument("ends_at is required.");
        }

        var ends = endsAt.ToDateTime();
        if (ends <= starts || ends <= now || ends - starts > MaxDuration)
        {
            RpcErrors.InvalidArgument($"ends_at must be after starts_at and now, at most {MaxDuration.TotalDays:0} days after starts_at.");
        }

        var sale = new SaleRecord
        {
            ProductId = product.Id,
            RoomId = roomId,
            AnchorUserId = product.AnchorUserId,
            InitialStock = stockUnits,
            PerUserLimit = perUserLimit,
            UnitPrice = product.Price,
            StartsAt = starts,
            EndsAt = ends,
            CreatedAt = now,
        };
        db.Sales.Add(sale);
        await db.SaveChangesAsync(ct);
        await stock.LoadAsync(SaleStoreMapping.Snapshot(sale), stockUnits, 0);
        return sale;
    }

    public async Task<(SaleRecord Sale, ProductRecord Product)> GetAsync(long saleId, CancellationToken ct)
    {
        RpcErrors.RequirePositiveId(saleId, "sale_id");
        var found = await db.Sales.AsNoTracking().Where(s => s.Id == saleId)
            .Join(db.Products, s => s.ProductId, p => p.Id, (s, p) => new { Sale = s, Product = p })
            .SingleOrDefaultAsync(ct);
        if (found is null)
        {
            RpcErrors.NotFound($"sale {saleId} does not exist.");
        }

        return (found.Sale, found.Product);
    }

    public async Task<List<(SaleRecord Sale, ProductRecord Product)>> ListRoomAsync(long roomId, CancellationToken ct)
    {
        RpcErrors.RequirePositiveId(roomId, "room_id");
        var now = time.GetUtcNow().UtcDateTime;
        var cancelledSince = now - CancelledListed;
        var rows = await db.Sales.AsNoTracking()
            .Where(s => s.RoomId == roomId && s.EndsAt > now && (s.CancelledAt == null || s.CancelledAt > cancelledSince))
            .OrderBy(s => s.StartsAt).ThenBy(s => s.Id).Take(100)
            .Join(db.Products, s => s.ProductId, p => p.Id, (s, p) => new { Sale = s, Product = p })
            .ToListAsync(ct);
        return rows.ConvertAll(r => (r.Sale, r.Product));
    }

    public async Task<SaleRecord> CancelAsync(SaleRecord sale, CancellationToken ct)
    {
        if (sale.CancelledAt is null)
        {
            var now = time.GetUtcNow().UtcDateTime;
            await db.Sales.Where(s => s.Id == sale.Id && s.CancelledAt == null)
                .ExecuteUpdateAsync(u => u.SetProperty(s => s.CancelledAt, now), ct);
            sale.CancelledAt = now;
        }

        // Loaded first in case Redis lost it, so the cancelled state cannot be overwritten by a later load.
        await stock.LoadAsync(SaleStoreMapping.Snapshot(sale), 0, 0);
        await stock.CancelAsync(sale.Id);
        return sale;
    }

    public async Task<Sale> ToProtoAsync(SaleRecord sale, ProductRecord product)
    {
        var remaining = await stock.RemainingAsync(sale.Id) ?? 0;
        return SaleStoreMapping.ToProto(sale, product, remaining, time.GetUtcNow().UtcDateTime);
    }
}

public static class SaleStoreMapping
{
    public static SaleSnapshot Snapshot(SaleRecord sale) =>
        new(sale.Id, sale.RoomId, sale.InitialStock, sale.PerUserLimit, sale.UnitPrice, sale.StartsAt, sale.EndsAt, sale.CancelledAt is not null);

    public static Product ToProto(this ProductRecord product) => new()
    {
        Id = product.Id,
        AnchorUserId = product.AnchorUserId,
        Name = product.Name,
        Price = product.Price,
        ImageUrl = product.ImageUrl,
    };

    public static Sale ToProto(SaleRecord sale, ProductRecord product, int remaining, DateTime now) => new()
    {
        Id = sale.Id,
        RoomId = sale.RoomId,
        Product = product.ToProto(),
        InitialStock = sale.InitialStock,
        RemainingStock = remaining,
        PerUserLimit = sale.PerUserLimit,
        StartsAt = Timestamp.FromDateTime(sale.StartsAt),
        EndsAt = Timestamp.FromDateTime(sale.EndsAt),
        State = sale.CancelledAt is not null ? SaleState.Cancelled
            : now >= sale.EndsAt ? SaleState.Ended
            : now < sale.StartsAt ? SaleState.Scheduled
            : remaining == 0 ? SaleState.SoldOut
            : SaleState.Open,
    };
}
