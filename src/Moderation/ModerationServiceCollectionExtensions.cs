using Live.Bans;
using Live.Data;
using Live.Moderation.Bans;
using Live.Moderation.Content;
using Live.Moderation.Data;
using Live.Moderation.Limits;
using Live.Moderation.Pipeline;
using Live.Moderation.Telemetry;
using Live.Moderation.Text;
using Live.Moderation.Words;
using Live.ServiceDefaults.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Live.Moderation;

public static class ModerationServiceCollectionExtensions
{
    /// <summary>
    /// Everything the moderation pipeline needs, from the "Moderation" section and ConnectionStrings:MySql.
    /// The host must register an <c>IConnectionMultiplexer</c> (AddRedis). Replace <see cref="IBanLookup"/>
    /// before calling this to read bans from elsewhere. Readiness waits for the first word-list load.
    /// </summary>
    public static IServiceCollection AddModeration(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<ModerationOptions>(configuration, ModerationOptions.Section);
        var mysql = configuration.RequireConnectionString("MySql");
        services.AddPooledDbContextFactory<ModerationDbContext>(options => ModerationDatabase.Configure(options, mysql));
        services.AddDatabaseFailures();

        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.AddSingleton(sp => new TextNormalizer(sp.GetRequiredService<IOptions<ModerationOptions>>().Value.Separators));
        services.AddSingleton<WordFilter>();
        services.AddSingleton<ModerationMetrics>();
        services.AddSingleton<WordListNotifier>();
        services.AddSingleton<WordStore>();
        services.AddSingleton<WordListReloader>();
        services.AddHostedService(sp => sp.GetRequiredService<WordListReloader>());
        services.AddSingleton<LocalRateGate>();
        services.AddSingleton<RedisAdmission>();
        services.AddSingleton<RoomRulesCache>();
        services.AddHostedService(sp => sp.GetRequiredService<RoomRulesCache>());
        services.AddSingleton<RoomModerationControls>();
        services.AddHostedService<LegacyTimeoutMigration>();
        if (!services.Any(d => d.ServiceType == typeof(BanList)))
        {
            // The host may have added the shared ban list already; a second registration would run its sync twice.
            services.AddBanList(configuration);
        }

        services.TryAddSingleton<IBanLookup, PlatformBanLookup>();
        services.AddSingleton<ContentRules>();
        services.AddSingleton<ModerationPipeline>();
        services.AddHealthChecks().Add(new HealthCheckRegistration(
            "moderation-words",
            sp => new WordListsLoadedCheck(sp.GetRequiredService<WordListReloader>()),
            HealthStatus.Unhealthy,
            [ServiceDefaultsExtensions.ReadyTag]));
        return services;
    }

    private sealed class WordListsLoadedCheck(WordListReloader reloader) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(reloader.HasLoaded ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("word lists not loaded yet"));
    }
}
