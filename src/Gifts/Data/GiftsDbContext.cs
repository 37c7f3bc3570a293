using Live.Data;
using Live.Gifts.Catalog;
using Live.Gifts.Events;
using Live.Gifts.Sending;
using Live.Gifts.Wallets;
using Live.Outbox;
using Live.V1;
using Microsoft.EntityFrameworkCore;

namespace Live.Gifts.Data;

public sealed class GiftsDbContext(DbContextOptions<GiftsDbContext> options) : DbContext(options)
{
    public DbSet<GiftRecord> Catalog => Set<GiftRecord>();
    public DbSet<WalletRecord> Wallets => Set<WalletRecord>();
    public DbSet<WalletCreditRecord> Credits => Set<WalletCreditRecord>();
    public DbSet<GiftLedgerRecord> Ledger => Set<GiftLedgerRecord>();
    public DbSet<GiftOutboxRecord> Outbox => Set<GiftOutboxRecord>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<GiftRecord>(gift =>
        {
            gift.ToTable("gift_catalog");
            gift.HasKey(g => g.Id);
            gift.Property(g => g.Id).HasColumnName("id").ValueGeneratedNever();
            gift.Property(g => g.Name).HasColumnName("name").HasMaxLength(64).IsRequired();
            gift.Property(g => g.Price).HasColumnName("price");
            gift.Property(g => g.Tier).HasColumnName("tier").HasConversion<byte>();
            gift.Property(g => g.Active).HasColumnName("active");
            gift.HasData(
                new GiftRecord { Id = 1, Name = "Rose", Price = 1, Tier = GiftTier.Common, Active = true },
                new GiftRecord { Id = 2, Name = "Heart", Price = 5, Tier = GiftTier.Common, Active = true },
                new GiftRecord { Id = 3, Name = "Star", Price = 20, Tier = GiftTier.Rare, Active = true },
                new GiftRecord { Id = 4, Name = "Fireworks", Price = 100, Tier = GiftTier.Rare, Active = true },
                new GiftRecord { Id = 5, Name = "Rocket", Price = 500, Tier = GiftTier.Epic, Active = true },
                new GiftRecord { Id = 6, Name = "Castle", Price = 2000, Tier = GiftTier.Legendary, Active = true });
        });

        modelBuilder.Entity<WalletRecord>(wallet =>
        {
            wallet.ToTable("wallets", t => t.HasCheckConstraint("ck_wallets_balance_not_negative", "balance >= 0"));
            wallet.HasKey(w => w.UserId);
            wallet.Property(w => w.UserId).HasColumnName("user_id").ValueGeneratedNever();
            wallet.Property(w => w.Balance).HasColumnName("balance");
            wallet.Property(w => w.UpdatedAt).HasColumnName("updated_at");
        });

        modelBuilder.Entity<WalletCreditRecord>(credit =>
        {
            credit.ToTable("wallet_credits");
            credit.HasKey(c => c.Id);
            credit.Property(c => c.Id).HasColumnName("id");
            credit.Property(c => c.IdempotencyKey).HasColumnName("idempotency_key").HasMaxLength(64).IsRequired();
            credit.Property(c => c.UserId).HasColumnName("user_id");
            credit.Property(c => c.Amount).HasColumnName("amount");
            credit.Property(c => c.CreatedAt).HasColumnName("created_at");
            credit.HasIndex(c => c.IdempotencyKey).IsUnique().HasDatabaseName("ux_wallet_credits_idempotency_key");
        });

        modelBuilder.Entity<GiftLedgerRecord>(ledger =>
        {
            ledger.ToTable("gift_ledger");
            ledger.HasKey(l => l.Id);
            ledger.Property(l => l.Id).HasColumnName("id");
            ledger.Property(l => l.IdempotencyKey).HasColumnName("idempotency_key").HasMaxLength(64).IsRequired();
            ledger.Property(l => l.RoomId).HasColumnName("room_id");
            ledger.Property(l => l.SenderUserId).HasColumnName("sender_user_id");
            ledger.Property(l => l.AnchorUserId).HasColumnName("anchor_user_id");
            ledger.Property(l => l.GiftId).HasColumnName("gift_id");
            ledger.Property(l => l.Count).HasColumnName("count");
            ledger.Property(l => l.UnitPrice).HasColumnName("unit_price");
            ledger.Property(l => l.TotalValue).HasColumnName("total_value");
            ledger.Property(l => l.BalanceAfter).HasColumnName("balance_after");
            ledger.Property(l => l.CreatedAt).HasColumnName("created_at");
            ledger.HasIndex(l => l.IdempotencyKey).IsUnique().HasDatabaseName("ux_gift_ledger_idempotency_key");
            ledger.HasIndex(l => new { l.SenderUserId, l.Id }).HasDatabaseName("ix_gift_ledger_sender");
            ledger.HasIndex(l => new { l.RoomId, l.Id }).HasDatabaseName("ix_gift_ledger_room");
        });

        modelBuilder.Entity<GiftOutboxRecord>().MapRoomOutbox("gift_outbox", eventIdLength: 64);
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        configurationBuilder.StoreDateTimesAsUtc();
    }
}
