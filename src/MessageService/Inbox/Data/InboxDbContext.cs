using Live.Data;
using Microsoft.EntityFrameworkCore;

namespace Live.MessageService.Inbox.Data;

public sealed class InboxDbContext(DbContextOptions<InboxDbContext> options) : DbContext(options)
{
    public const int MaxKeyLength = 128;
    public const int MaxNameLength = 64;

    public DbSet<InboxUserRecord> Users => Set<InboxUserRecord>();
    public DbSet<InboxMessageRecord> Messages => Set<InboxMessageRecord>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<InboxUserRecord>(user =>
        {
            user.ToTable("inbox_users");
            user.HasKey(u => u.UserId);
            user.Property(u => u.UserId).HasColumnName("user_id").ValueGeneratedNever();
            user.Property(u => u.LatestSeq).HasColumnName("latest_seq");
            user.Property(u => u.ReadSeq).HasColumnName("read_seq");
            user.Property(u => u.Dropped).HasColumnName("dropped");
            user.Property(u => u.AcceptWhispers).HasColumnName("accept_whispers");
            user.Property(u => u.UpdatedAt).HasColumnName("updated_at");
        });

        modelBuilder.Entity<InboxMessageRecord>(message =>
        {
            message.ToTable("inbox_messages");
            message.HasKey(m => new { m.UserId, m.Seq });
            message.Property(m => m.UserId).HasColumnName("user_id");
            message.Property(m => m.Seq).HasColumnName("seq");
            message.Property(m => m.Sender).HasColumnName("sender");
            // Binary collation: keys are identifiers, "Refund:1" and "refund:1" are two keys.
            message.Property(m => m.IdempotencyKey).HasColumnName("idempotency_key").HasMaxLength(MaxKeyLength).IsRequired().UseCollation("utf8mb4_bin");
            message.Property(m => m.Kind).HasColumnName("kind");
            message.Property(m => m.FromUserName).HasColumnName("from_user_name").HasMaxLength(MaxNameLength).IsRequired();
            message.Property(m => m.Content).HasColumnName("content").HasColumnType("text").IsRequired();
            message.Property(m => m.RoomId).HasColumnName("room_id");
            message.Property(m => m.DurationSeconds).HasColumnName("duration_seconds");
            message.Property(m => m.CreatedMs).HasColumnName("created_ms");
            message.HasIndex(m => new { m.UserId, m.Sender, m.IdempotencyKey }).IsUnique().HasDatabaseName("ux_inbox_messages_user_sender_key");
            message.HasIndex(m => m.CreatedMs).HasDatabaseName("ix_inbox_messages_created_ms");
        });
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        configurationBuilder.StoreDateTimesAsUtc();
    }
}
