using Live.Data;
using Microsoft.EntityFrameworkCore;

namespace Live.StatsService.Data;

public sealed class StatsDbContext(DbContextOptions<StatsDbContext> options) : DbContext(options)
{
    public DbSet<RoomMinuteRollup> Rollups => Set<RoomMinuteRollup>();
    public DbSet<AppliedOffset> Offsets => Set<AppliedOffset>();
    public DbSet<AppliedGift> AppliedGifts => Set<AppliedGift>();
    public DbSet<FollowRecord> Follows => Set<FollowRecord>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<RoomMinuteRollup>(rollup =>
        {
            rollup.ToTable("room_minute_rollups");
            rollup.HasKey(r => new { r.RoomId, r.Minute });
            rollup.Property(r => r.RoomId).HasColumnName("room_id");
            rollup.Property(r => r.Minute).HasColumnName("minute").HasColumnType("datetime");
            rollup.Property(r => r.Messages).HasColumnName("messages");
            rollup.Property(r => r.Gifts).HasColumnName("gifts");
            rollup.Property(r => r.GiftValue).HasColumnName("gift_value");
            rollup.Property(r => r.UniqueSenders).HasColumnName("unique_senders");
            rollup.Property(r => r.PeakViewers).HasColumnName("peak_viewers");
            rollup.HasIndex(r => r.Minute).HasDatabaseName("ix_room_minute_rollups_minute");
        });

        modelBuilder.Entity<AppliedOffset>(offset =>
        {
            offset.ToTable("stats_offsets");
            offset.HasKey(o => new { o.Topic, o.Partition });
            offset.Property(o => o.Topic).HasColumnName("topic").HasMaxLength(200);
            offset.Property(o => o.Partition).HasColumnName("partition_id");
            offset.Property(o => o.Offset).HasColumnName("applied_offset");
            offset.Property(o => o.UpdatedAt).HasColumnName("updated_at");
        });

        modelBuilder.Entity<AppliedGift>(gift =>
        {
            gift.ToTable("stats_applied_gifts");
            gift.HasKey(g => g.IdempotencyKey);
            gift.Property(g => g.IdempotencyKey).HasColumnName("idempotency_key").HasMaxLength(64);
            gift.Property(g => g.AppliedAt).HasColumnName("applied_at");
            gift.HasIndex(g => g.AppliedAt).HasDatabaseName("ix_stats_applied_gifts_applied_at");
        });

        modelBuilder.Entity<FollowRecord>(follow =>
        {
            follow.ToTable("follows");
            follow.HasKey(f => new { f.UserId, f.AnchorUserId });
            follow.Property(f => f.UserId).HasColumnName("user_id");
            follow.Property(f => f.AnchorUserId).HasColumnName("anchor_user_id");
            follow.Property(f => f.CreatedAt).HasColumnName("created_at");
            follow.HasIndex(f => new { f.UserId, f.CreatedAt }).HasDatabaseName("ix_follows_user_created");
            follow.HasIndex(f => f.AnchorUserId).HasDatabaseName("ix_follows_anchor");
        });
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        configurationBuilder.StoreDateTimesAsUtc();
    }
}
