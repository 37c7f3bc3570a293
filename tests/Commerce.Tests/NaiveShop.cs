using Live.Data;
using Microsoft.EntityFrameworkCore;
using MySqlConnector;

namespace Live.Commerce.Tests;

/// <summary>
/// The bug the flash-sale tests must catch, kept here only: stock and the buyer's count read with EF, checked and
/// written back from .NET, with no lock, no atomic decrement and no concurrency token. Run under the same load
/// as CommerceService, its sale breaks the invariants the service keeps.
/// </summary>
internal sealed class NaiveShop(string connectionString)
{
    // Enough connections for the buyers to overlap as a server's would, few enough to leave MariaDB's other
    // clients (the hosts of the suite) theirs.
    private readonly string connectionString = new MySqlConnectionStringBuilder(connectionString) { MaximumPoolSize = 48, ConnectionTimeout = 120 }.ConnectionString;

    public async Task<long> CreateSaleAsync(int stock, int perUserLimit)
    {
        await using var db = NewContext();
        await db.Database.EnsureCreatedAsync();
        var sale = new NaiveSale { Stock = stock, PerUserLimit = perUserLimit };
        db.Sales.Add(sale);
        await db.SaveChangesAsync();
        return sale.Id;
    }

    public async Task<bool> PurchaseAsync(long saleId, long buyer)
    {
        await using var db = NewContext();
        var sale = await db.Sales.SingleAsync(s => s.Id == saleId);
        if (sale.Stock <= 0)
        {
            return false;
        }

        var bought = await db.Orders.CountAsync(o => o.SaleId == saleId && o.BuyerUserId == buyer);
        if (bought >= sale.PerUserLimit)
        {
            return false;
        }

        sale.Stock -= 1;
        db.Orders.Add(new NaiveOrder { SaleId = saleId, BuyerUserId = buyer });
        await db.SaveChangesAsync();
        return true;
    }

    public async Task<(List<long> Buyers, long Stock)> ReadAsync(long saleId)
    {
        await using var db = NewContext();
        var buyers = await db.Orders.Where(o => o.SaleId == saleId).Select(o => o.BuyerUserId).ToListAsync();
        var stock = await db.Sales.Where(s => s.Id == saleId).Select(s => s.Stock).SingleAsync();
        return (buyers, stock);
    }

    private NaiveShopDbContext NewContext()
    {
        var options = new DbContextOptionsBuilder<NaiveShopDbContext>();
        // A long command timeout: buyers queue on the sale's row lock, and a timeout is not the bug under test.
        options.UseMySql(connectionString, PlatformDatabase.DefaultServerVersion, mysql => mysql.CommandTimeout(120));
        return new NaiveShopDbContext(options.Options);
    }
}

internal sealed class NaiveShopDbContext(DbContextOptions<NaiveShopDbContext> options) : DbContext(options)
{
    public DbSet<NaiveSale> Sales => Set<NaiveSale>();
    public DbSet<NaiveOrder> Orders => Set<NaiveOrder>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<NaiveSale>().ToTable("naive_sales");
        modelBuilder.Entity<NaiveOrder>().ToTable("naive_orders").HasIndex(o => new { o.SaleId, o.BuyerUserId });
    }
}

internal sealed class NaiveSale
{
    public long Id { get; set; }
    public int Stock { get; set; }
    public int PerUserLimit { get; set; }
}

internal sealed class NaiveOrder
{
    public long Id { get; set; }
    public long SaleId { get; set; }
    public long BuyerUserId { get; set; }
}
