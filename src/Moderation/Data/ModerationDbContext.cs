using Live.Data;
using Microsoft.EntityFrameworkCore;

namespace Live.Moderation.Data;

public sealed class ModerationDbContext(DbContextOptions<ModerationDbContext> options) : DbContext(options)
{
    public DbSet<ModerationWordRecord> Words => Set<ModerationWordRecord>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<ModerationWordRecord>(word =>
        {
            word.ToTable("moderation_words");
            word.HasKey(w => w.Id);
            word.Property(w => w.Id).HasColumnName("id");
            // Binary collation: the default _ci collation would call "café" and "cafe" the same word.
            word.Property(w => w.Word).HasColumnName("word").HasMaxLength(64).IsRequired().UseCollation("utf8mb4_bin");
            word.Property(w => w.Action).HasColumnName("action").HasConversion<byte>();
            word.Property(w => w.RoomId).HasColumnName("room_id");
            word.Property(w => w.RoomScope).HasColumnName("room_scope").HasComputedColumnSql("IFNULL(`room_id`, 0)", stored: true);
            word.Property(w => w.CreatedAt).HasColumnName("created_at");
            word.Property(w => w.CreatedBy).HasColumnName("created_by").HasMaxLength(128).IsRequired();
            word.HasIndex(w => new { w.RoomScope, w.Word }).IsUnique().HasDatabaseName("ux_moderation_words_room_word");
            word.HasIndex(w => new { w.RoomId, w.Id }).HasDatabaseName("ix_moderation_words_room_id");
        });
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        configurationBuilder.StoreDateTimesAsUtc();
    }
}
