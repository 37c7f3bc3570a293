using Grpc.Net.Client;
using Live.ServiceDefaults.Data;
using Live.ServiceDefaults.Hosting;
using Live.ServiceDefaults.Identity;
using Live.ServiceDefaults.Kafka;
using Live.ServiceDefaults.Redis;
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
using Microsoft.Extensions.Options;

namespace Live.StatsService;

/// <summary>Builds the StatsService host; Program.cs, the in-process test hosts and the benchmark share it.</summary>
public static class StatsServiceApp
{
    public const string ServiceName = "stats-service";

    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = PlatformHost.CreateBuilder(args, ServiceName, configure);
        builder.Services.AddStatsServices(builder.Configuration);

        var app = builder.Build();
        app.UseServedVersionHeader();
        app.MapDefaultEndpoints();
        app.MapGrpcService<StatsGrpcService>();
        return app;
    }

    private static void AddStatsServices(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<StatsOptions>(configuration, StatsOptions.Section)
            .Configure(o => o.RoomService = configuration["Services:RoomService"] ?? o.RoomService);
        services.AddValidatedOptions<HeatOptions>(configuration, HeatOptions.Section);
        services.AddValidatedOptions<RecommendationOptions>(configuration, RecommendationOptions.Section);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<StatsMetrics>();
        services.AddMySqlDbContext<StatsDbContext>(configuration);
        services.AddProxyIdentity(configuration);
        services.AddRedis(configuration, ServiceName);
        services.AddKafka(configuration);
        services.AddSingleton(sp => new RoomServiceChannel(GrpcChannel.ForAddress(sp.GetRequiredService<IOptions<StatsOptions>>().Value.RoomService)));
        services.AddSingleton(sp => new Live.V1.RoomService.RoomServiceClient(sp.GetRequiredService<RoomServiceChannel>().Channel));

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
    }
}

/// <summary>The channel to RoomService, owned by the container so it is disposed with the host.</summary>
public sealed class RoomServiceChannel(GrpcChannel channel) : IDisposable
{
    public GrpcChannel Channel { get; } = channel;

    public void Dispose() => Channel.Dispose();
}
