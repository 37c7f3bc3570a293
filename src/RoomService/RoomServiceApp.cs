using Live.Data;
using Live.Kafka;
using Live.Redis;
using Live.RoomService.Data;
using Live.RoomService.Events;
using Live.RoomService.Grpc;
using Live.RoomService.Rooms;
using Live.RoomService.Telemetry;
using Live.RoomService.Viewers;
using Live.ServiceDefaults.Hosting;
using Live.ServiceDefaults.Identity;

namespace Live.RoomService;

/// <summary>Builds the RoomService host; Program.cs and the in-process test hosts share it.</summary>
public static class RoomServiceApp
{
    public const string ServiceName = "room-service";

    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = PlatformHost.CreateBuilder(args, ServiceName, configure);
        builder.Services.AddRoomServices(builder.Configuration);

        var app = builder.Build();
        app.UseServedVersionHeader();
        app.UseGrpcWebForBrowsers();
        app.MapDefaultEndpoints();
        app.MapGrpcService<RoomGrpcService>();
        return app;
    }

    private static void AddRoomServices(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<RoomOptions>(configuration, RoomOptions.Section)
            .PostConfigure(o => o.Categories = o.Categories.Length == 0 ? RoomOptions.DefaultCategories : [.. o.Categories.Distinct(StringComparer.Ordinal)]);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<RoomMetrics>();
        services.AddMySqlDbContext<RoomsDbContext>(configuration);
        services.AddProxyIdentity(configuration);
        services.AddRedis(configuration, ServiceName);
        services.AddKafkaProducer(configuration, ServiceName);
        services.AddSingleton<RoomValidator>();
        services.AddSingleton<RoomCache>();
        services.AddSingleton<RoomReadCache>();
        services.AddHostedService(sp => sp.GetRequiredService<RoomReadCache>());
        services.AddSingleton<ViewerStore>();
        services.AddScoped<RoomStore>();
        services.AddSingleton<OutboxSignal>();
        services.AddSingleton<RoomEventWriter>();
        services.AddHostedService<OutboxRelay>();
    }
}
