using Live.Data;
using Live.UserService.Accounts;
using Live.UserService.Bans;
using Live.UserService.Tokens;
using Microsoft.EntityFrameworkCore;

namespace Live.UserService.Data;

public sealed class UsersDbContext(DbContextOptions<UsersDbContext> options) : DbContext(options)
{
    public DbSet<UserRecord> Users => Set<UserRecord>();
    public DbSet<RefreshTokenRecord> RefreshTokens => Set<RefreshTokenRecord>();
    public DbSet<SigningKeyRecord> SigningKeys => Set<SigningKeyRecord>();
    public DbSet<BanRecord> Bans => Set<BanRecord>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<UserRecord>(user =>
        {
            user.ToTable("users");
            user.HasKey(u => u.Id);
            user.Property(u => u.Id).HasColumnName("id");
            user.Property(u => u.Username).HasColumnName("username").HasMaxLength(32).IsRequired();
            user.Property(u => u.NormalizedUsername).HasColumnName("normalized_username").HasMaxLength(32).IsRequired();
            user.Property(u => u.DisplayName).HasColumnName("display_name").HasMaxLength(256).IsRequired();
            user.Property(u => u.Level).HasColumnName("level");
            user.Property(u => u.Roles).HasColumnName("roles").HasMaxLength(64).IsRequired();
            user.Property(u => u.PasswordHash).HasColumnName("password_hash").HasMaxLength(256).IsRequired();
            user.Property(u => u.CreatedAt).HasColumnName("created_at");
            user.Property(u => u.UpdatedAt).HasColumnName("updated_at");
            user.HasIndex(u => u.NormalizedUsername).IsUnique().HasDatabaseName("ux_users_normalized_username");
        });

        modelBuilder.Entity<RefreshTokenRecord>(token =>
        {
            token.ToTable("refresh_tokens");
            token.HasKey(t => t.Id);
            token.Property(t => t.Id).HasColumnName("id");
            token.Property(t => t.UserId).HasColumnName("user_id");
            token.Property(t => t.FamilyId).HasColumnName("family_id").HasMaxLength(32).IsFixedLength().IsRequired();
            token.Property(t => t.TokenHash).HasColumnName("token_hash").HasMaxLength(32).IsFixedLength().IsRequired();
            token.Property(t => t.CreatedAt).HasColumnName("created_at");
            token.Property(t => t.ExpiresAt).HasColumnName("expires_at");
            token.Property(t => t.UsedAt).HasColumnName("used_at");
            token.Property(t => t.RevokedAt).HasColumnName("revoked_at");
            token.Property(t => t.RevokedReason).HasColumnName("revoked_reason").HasMaxLength(32);
            token.HasIndex(t => t.TokenHash).IsUnique().HasDatabaseName("ux_refresh_tokens_token_hash");
            token.HasIndex(t => t.FamilyId).HasDatabaseName("ix_refresh_tokens_family_id");
            token.HasIndex(t => t.UserId).HasDatabaseName("ix_refresh_tokens_user_id");
        });

        modelBuilder.Entity<SigningKeyRecord>(key =>
        {
            key.ToTable("signing_keys");
            key.HasKey(k => k.Kid);
            key.Property(k => k.Kid).HasColumnName("kid").HasMaxLength(32);
            key.Property(k => k.PrivateKey).HasColumnName("private_key").IsRequired();
            key.Property(k => k.CreatedAt).HasColumnName("created_at");
            key.Property(k => k.RetiredAt).HasColumnName("retired_at");
        });

        modelBuilder.Entity<BanRecord>(ban =>
        {
            ban.ToTable("bans");
            ban.HasKey(b => b.Id);
            ban.Property(b => b.Id).HasColumnName("id");
            ban.Property(b => b.Kind).HasColumnName("kind").HasMaxLength(8).IsRequired();
            ban.Property(b => b.Subject).HasColumnName("subject").HasMaxLength(64).IsRequired();
            ban.Property(b => b.Reason).HasColumnName("reason").HasMaxLength(1024).IsRequired();
            ban.Property(b => b.CreatedAt).HasColumnName("created_at");
            ban.Property(b => b.ExpiresAt).HasColumnName("expires_at");
            ban.Property(b => b.CreatedBy).HasColumnName("created_by");
            ban.Property(b => b.LiftedAt).HasColumnName("lifted_at");
            ban.HasIndex(b => new { b.Kind, b.Subject, b.LiftedAt }).HasDatabaseName("ix_bans_kind_subject_lifted_at");
        });
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        configurationBuilder.StoreDateTimesAsUtc();
    }
}
