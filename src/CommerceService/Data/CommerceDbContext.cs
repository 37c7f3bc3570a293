using Live.Data;
using Live.Outbox;
using Microsoft.EntityFrameworkCore;

namespace Live.CommerceService.Data;

public sealed class CommerceDbContext(DbContextOptions<CommerceDbContext> options) : DbContext(options)
{
    public DbSet<ProductRecord> Products => Set<ProductRecord>();
    public DbSet<SaleRecord> Sales => Set<SaleRecord>();
    public DbSet<OrderRecord> Orders => Set<OrderRecord>();
    public DbSet<BalanceRecord> Balances => Set<BalanceRecord>();
    public DbSet<LedgerRecord> Ledger => Set<LedgerRecord>();
    public DbSet<SaleOutboxRecord> SaleOutbox => Set<SaleOutboxRecord>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<ProductRecord>(product =>
        {
            product.ToTable("products");
            product.HasKey(p => p.Id);
            product.Property(p => p.Id).HasColumnName("id");
            product.Property(p => p.AnchorUserId).HasColumnName("anchor_user_id");
            product.Property(p => p.Name).HasColumnName("name").HasMaxLength(400).IsRequired();
            product.Property(p => p.Price).HasColumnName("price");
            product.Property(p => p.ImageUrl).HasColumnName("image_url").HasMaxLength(512).IsRequired();
            product.Property(p => p.CreatedAt).HasColumnName("created_at");
            product.HasIndex(p => p.AnchorUserId).HasDatabaseName("ix_products_anchor_user_id");
        });

        modelBuilder.Entity<SaleRecord>(sale =>
        {
            sale.ToTable("sales");
            sale.HasKey(s => s.Id);
            sale.Property(s => s.Id).HasColumnName("id");
            sale.Property(s => s.ProductId).HasColumnName("product_id");
            sale.Property(s => s.RoomId).HasColumnName("room_id");
            sale.Property(s => s.AnchorUserId).HasColumnName("anchor_user_id");
            sale.Property(s => s.InitialStock).HasColumnName("initial_stock");
            sale.Property(s => s.PerUserLimit).HasColumnName("per_user_limit");
            sale.Property(s => s.UnitPrice).HasColumnName("unit_price");
            sale.Property(s => s.StartsAt).HasColumnName("starts_at");
            sale.Property(s => s.EndsAt).HasColumnName("ends_at");
            sale.Property(s => s.CancelledAt).HasColumnName("cancelled_at");
            sale.Property(s => s.StartAnnounced).HasColumnName("start_announced");
            sale.Property(s => s.CreatedAt).HasColumnName("created_at");
            sale.HasIndex(s => new { s.RoomId, s.EndsAt }).HasDatabaseName("ix_sales_room_id_ends_at");
            sale.HasIndex(s => s.EndsAt).HasDatabaseName("ix_sales_ends_at");
        });

        modelBuilder.Entity<OrderRecord>(order =>
        {
            order.ToTable("orders");
            order.HasKey(o => o.Id);
            order.Property(o => o.Id).HasColumnName("id");
            order.Property(o => o.SaleId).HasColumnName("sale_id");
            order.Property(o => o.Seq).HasColumnName("seq");
            order.Property(o => o.RoomId).HasColumnName("room_id");
            order.Property(o => o.BuyerUserId).HasColumnName("buyer_user_id");
            order.Property(o => o.Quantity).HasColumnName("quantity");
            order.Property(o => o.Total).HasColumnName("total");
            order.Property(o => o.IdempotencyKey).HasColumnName("idempotency_key").HasMaxLength(64).IsRequired();
            order.Property(o => o.Status).HasColumnName("status").HasConversion<byte>();
            order.Property(o => o.StockReturned).HasColumnName("stock_returned");
            order.Property(o => o.ReservedAt).HasColumnName("reserved_at");
            order.Property(o => o.WrittenAt).HasColumnName("written_at");
            order.Property(o => o.PaidAt).HasColumnName("paid_at");
            order.HasIndex(o => new { o.SaleId, o.Seq }).IsUnique().HasDatabaseName("ux_orders_sale_id_seq");
            order.HasIndex(o => new { o.Status, o.ReservedAt }).HasDatabaseName("ix_orders_status_reserved_at");
            order.HasIndex(o => o.BuyerUserId).HasDatabaseName("ix_orders_buyer_user_id");
        });

        modelBuilder.Entity<BalanceRecord>(balance =>
        {
            balance.ToTable("balances");
            balance.HasKey(b => b.UserId);
            balance.Property(b => b.UserId).HasColumnName("user_id").ValueGeneratedNever();
            balance.Property(b => b.Balance).HasColumnName("balance");
            balance.Property(b => b.UpdatedAt).HasColumnName("updated_at");
        });

        modelBuilder.Entity<LedgerRecord>(entry =>
        {
            entry.ToTable("ledger");
            entry.HasKey(e => e.Id);
            entry.Property(e => e.Id).HasColumnName("id");
            entry.Property(e => e.UserId).HasColumnName("user_id");
            entry.Property(e => e.Amount).HasColumnName("amount");
            entry.Property(e => e.Reference).HasColumnName("reference").HasMaxLength(96).IsRequired();
            entry.Property(e => e.CreatedAt).HasColumnName("created_at");
            entry.HasIndex(e => e.Reference).IsUnique().HasDatabaseName("ux_ledger_reference");
            entry.HasIndex(e => e.UserId).HasDatabaseName("ix_ledger_user_id");
        });

        // Event ids are order ids, "<sale>-<seq>": two longs and a dash fit in 41 characters.
        modelBuilder.Entity<SaleOutboxRecord>().MapRoomOutbox("sale_outbox", eventIdLength: 41);
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        configurationBuilder.StoreDateTimesAsUtc();
    }
}
