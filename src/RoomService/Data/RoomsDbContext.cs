using Live.ServiceDefaults.Data;
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

        modelBuilder.Entity<OutboxRecord>(outbox =>
        {
            outbox.ToTable("room_outbox");
            outbox.HasKey(o => o.Id);
            outbox.Property(o => o.Id).HasColumnName("id");
            outbox.Property(o => o.RoomId).HasColumnName("room_id");
            outbox.Property(o => o.EventId).HasColumnName("event_id").HasMaxLength(32).IsRequired();
            outbox.Property(o => o.EventType).HasColumnName("event_type").HasMaxLength(32).IsRequired();
            outbox.Property(o => o.Payload).HasColumnName("payload").IsRequired();
            outbox.Property(o => o.TraceParent).HasColumnName("trace_parent").HasMaxLength(64);
            outbox.Property(o => o.TraceState).HasColumnName("trace_state").HasMaxLength(512);
            outbox.Property(o => o.CreatedAt).HasColumnName("created_at");
            outbox.Property(o => o.Attempts).HasColumnName("attempts");
        });
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        configurationBuilder.StoreDateTimesAsUtc();
    }
}
