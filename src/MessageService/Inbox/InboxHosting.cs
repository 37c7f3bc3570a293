using Live.Data;
using Live.MessageService.Inbox.Data;
using Live.ServiceDefaults.Hosting;
using Microsoft.EntityFrameworkCore;

namespace Live.MessageService.Inbox;

/// <summary>How MessageService hosts the inbox (ADR 0012): <see cref="AddInbox"/> at start-up, <see cref="MapInbox"/> after Build.</summary>
public static class InboxHosting
{
    /// <summary>
    /// The inbox tables in ConnectionStrings:Inbox, or beside the word lists in ConnectionStrings:MySql when it is
    /// not set. Needs the host's Redis (AddRedis), moderation (AddModeration) and the UserService client.
    /// </summary>
    public static IServiceCollection AddInbox(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<InboxOptions>(configuration, InboxOptions.Section);
        var connectionString = configuration.GetConnectionString("Inbox") is { Length: > 0 } own ? own : configuration.RequireConnectionString("MySql");
        services.AddPooledDbContextFactory<InboxDbContext>(options => InboxDatabase.Configure(options, connectionString));
        services.AddDatabaseFailures();
        services.AddSingleton<InboxMetrics>();
        services.AddSingleton<InboxPublisher>();
        services.AddSingleton<InboxStore>();
        services.AddSingleton<InboxReader>();
        services.AddSingleton<InboxRequestValidator>();
        services.AddSingleton<WhisperGate>();
        services.AddSingleton<RecipientDirectory>();
        services.AddSingleton<ModerationNotices>();
        services.AddHostedService<InboxSweeper>();
        return services;
    }

    public static WebApplication MapInbox(this WebApplication app)
    {
        app.MapGrpcService<InboxGrpcService>();
        return app;
    }

    /// <summary>Applies the inbox migrations (the host's `--migrate`, test fixtures).</summary>
    public static Task MigrateInboxAsync(this IServiceProvider services, CancellationToken ct = default) =>
        InboxDatabase.MigrateAsync(services.GetRequiredService<IDbContextFactory<InboxDbContext>>(), ct);
}
