using Live.Data;
using Live.Kafka;
using Live.Redis;
using Live.ServiceClients;
using Live.ServiceDefaults.Hosting;
using Live.ServiceDefaults.Identity;
using Live.StatsService.Data;
using Live.StatsService.Grpc;
using Live.StatsService.Heat;
using Live.StatsService.Ingest;
using Live.StatsService.Leaderboards;
using Live.StatsService.Recommendations;
using Live.StatsService.Rollups;
using Live.StatsService.Rooms;
using Live.StatsService.Storage;
using Live.StatsService.Telemetry;
using Live.StatsService.WentLive;

namespace Live.StatsService;

/// <summary>Builds the StatsService host; Program.cs, the in-process test hosts and the benchmark share it.</summary>
public static class StatsServiceApp
{
    public const string ServiceName = "stats-service";

    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null) =>
        PlatformHost.BuildGrpcService<StatsGrpcService>(args, ServiceName, configure, (services, configuration) => services.AddStatsServices(configuration));

    private static void AddStatsServices(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<StatsOptions>(configuration, StatsOptions.Section);
        services.AddValidatedOptions<HeatOptions>(configuration, HeatOptions.Section);
        services.AddValidatedOptions<RecommendationOptions>(configuration, RecommendationOptions.Section);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<StatsMetrics>();
        services.AddMySqlDbContext<StatsDbContext>(configuration);
        services.AddProxyIdentity(configuration);
        services.AddRedis(configuration, ServiceName);
        services.AddKafka(configuration);
        services.AddRoomServiceClient(configuration);

        services.AddSingleton<StatsKeys>();
        services.AddSingleton<HeatScore>();
        services.AddSingleton<RedisEffectWriter>();
        services.AddSingleton<RollupWriter>();
        services.AddSingleton<StatsConsumer>();
        services.AddHostedService(sp => sp.GetRequiredService<StatsConsumer>());
        services.AddHostedService<HeatRanker>();
        services.AddHostedService<ViewerSampler>();
        services.AddHostedService<StatsMaintenance>();
        services.AddSingleton<RoomStatsReader>();
        services.AddSingleton<RoomStatsFeed>();
        services.AddHostedService(sp => sp.GetRequiredService<RoomStatsFeed>());
        services.AddSingleton<LeaderboardReader>();
        services.AddSingleton<HotRoomsReader>();
        services.AddScoped<RoomHistoryReader>();
        services.AddScoped<FollowStore>();
        services.AddScoped<RoomRecommender>();

        // Went-live notices to followers (ADR 0012), where MessageService's inbox can be reached: ./platform and
        // appsettings.json name it; a StatsService without it (some test hosts) only counts.
        if (!string.IsNullOrEmpty(configuration[$"{ServiceAddresses.Section}:{nameof(ServiceAddresses.MessageService)}"]))
        {
            services.AddValidatedOptions<WentLiveOptions>(configuration, WentLiveOptions.Section);
            services.AddInboxServiceClient(configuration);
            services.AddSingleton<FollowerPages>();
            services.AddSingleton<WentLiveFanout>();
            services.AddSingleton<WentLiveConsumer>();
            services.AddHostedService(sp => sp.GetRequiredService<WentLiveConsumer>());
        }
    }
}
