using Live.Data;
using Live.Outbox;
using Live.RoomService.Events;
using Live.RoomService.Rooms;
using Microsoft.EntityFrameworkCore;

namespace Live.RoomService.Data;

public sealed class RoomsDbContext(DbContextOptions<RoomsDbContext> options) : DbContext(options)
{
    public DbSet<RoomRecord> Rooms => Set<RoomRecord>();
    public DbSet<OutboxRecord> Outbox => Set<OutboxRecord>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<RoomRecord>(room =>
        {
            room.ToTable("rooms");
            room.HasKey(r => r.Id);
            room.Property(r => r.Id).HasColumnName("id");
            room.Property(r => r.AnchorUserId).HasColumnName("anchor_user_id");
            room.Property(r => r.Title).HasColumnName("title").HasMaxLength(500).IsRequired();
            room.Property(r => r.CoverUrl).HasColumnName("cover_url").HasMaxLength(512).IsRequired();
            room.Property(r => r.Category).HasColumnName("category").HasMaxLength(32).IsRequired();
            room.Property(r => r.Status).HasColumnName("status").HasConversion<byte>();
            room.Property(r => r.CreatedAt).HasColumnName("created_at");
            room.Property(r => r.StartedAt).HasColumnName("started_at");
            room.Property(r => r.EndedAt).HasColumnName("ended_at");
            room.Property(r => r.PeakViewers).HasColumnName("peak_viewers");
            room.Property(r => r.Version).HasColumnName("version").IsConcurrencyToken();
            room.HasIndex(r => new { r.Status, r.Category, r.Id }).HasDatabaseName("ix_rooms_status_category_id");
            room.HasIndex(r => new { r.Category, r.Id }).HasDatabaseName("ix_rooms_category_id");
            room.HasIndex(r => r.AnchorUserId).HasDatabaseName("ix_rooms_anchor_user_id");
        });

        modelBuilder.Entity<OutboxRecord>().MapRoomOutbox("room_outbox", eventIdLength: 32);
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        configurationBuilder.StoreDateTimesAsUtc();
    }
}
