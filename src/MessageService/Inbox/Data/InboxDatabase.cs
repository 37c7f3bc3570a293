using Live.Data;
using Microsoft.EntityFrameworkCore;

namespace Live.MessageService.Inbox.Data;

public static class InboxDatabase
{
    /// <summary>Own history table: the inbox shares live_messages with moderation's word lists.</summary>
    public const string MigrationsHistoryTable = "__inbox_migrations";

    public static void Configure(DbContextOptionsBuilder options, string connectionString) =>
        options.UseMySql(
            PlatformDatabase.WithOutageTimeouts(connectionString),
            PlatformDatabase.DefaultServerVersion,
            mysql => mysql.CommandTimeout(5).MigrationsHistoryTable(MigrationsHistoryTable));

    /// <summary>Applies pending inbox migrations to the database at <paramref name="connectionString"/> (test fixtures).</summary>
    public static async Task MigrateAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        var options = new DbContextOptionsBuilder<InboxDbContext>();
        Configure(options, connectionString);
        await using var db = new InboxDbContext(options.Options);
        await db.Database.MigrateAsync(cancellationToken);
    }

    /// <summary>Applies pending inbox migrations (the host's `--migrate`).</summary>
    public static async Task MigrateAsync(IDbContextFactory<InboxDbContext> contexts, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await db.Database.MigrateAsync(cancellationToken);
    }
}
