using Live.Data;
using Microsoft.EntityFrameworkCore;

namespace Live.Moderation.Data;

public static class ModerationDatabase
{
    /// <summary>Own history table, so the host service's migrations and these never share one.</summary>
    public const string MigrationsHistoryTable = "__moderation_migrations";

    public static void Configure(DbContextOptionsBuilder options, string connectionString) =>
        options.UseMySql(
            PlatformDatabase.WithOutageTimeouts(connectionString),
            PlatformDatabase.DefaultServerVersion,
            mysql => mysql.CommandTimeout(5).MigrationsHistoryTable(MigrationsHistoryTable));

    /// <summary>Applies pending moderation migrations; the host's `--migrate` calls this next to its own.</summary>
    public static async Task MigrateAsync(IDbContextFactory<ModerationDbContext> contexts, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await db.Database.MigrateAsync(cancellationToken);
    }
}
