using Live.CommerceService.Announcing;
using Live.CommerceService.Data;
using Live.CommerceService.Grpc;
using Live.CommerceService.Orders;
using Live.CommerceService.Sales;
using Live.CommerceService.Telemetry;
using Live.Data;
using Live.Kafka;
using Live.Redis;
using Live.ServiceClients;
using Live.ServiceDefaults.Hosting;
using Live.ServiceDefaults.Identity;

namespace Live.CommerceService;

/// <summary>Builds the CommerceService host; Program.cs and the in-process test hosts share it.</summary>
public static class CommerceServiceApp
{
    public const string ServiceName = "commerce-service";

    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null) =>
        PlatformHost.BuildGrpcService<CommerceGrpcService>(args, ServiceName, configure, (services, configuration) => services.AddCommerceServices(configuration));

    private static void AddCommerceServices(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<CommerceOptions>(configuration, CommerceOptions.Section);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<CommerceMetrics>();
        services.AddMySqlDbContext<CommerceDbContext>(configuration);
        services.AddProxyIdentity(configuration);
        services.AddRoomPassOptions(configuration, keyRequired: true);
        services.AddRedis(configuration, ServiceName);
        services.AddKafkaProducer(configuration, ServiceName);
        services.AddRoomServiceClient(configuration);
        services.AddMessageServiceClient(configuration);
        services.AddSingleton<ReservationScript>();
        services.AddSingleton<SaleStock>();
        services.AddSingleton<SoldOutFlags>();
        services.AddSingleton<OrderPublisher>();
        services.AddSingleton<PurchaseHandler>();
        services.AddSingleton<SaleRooms>();
        services.AddSingleton<RoomPassGate>();
        services.AddSingleton<SaleReconciler>();
        services.AddScoped<SaleStore>();
        services.AddScoped<BalanceStore>();
        services.AddScoped<OrderPayments>();
        services.AddSingleton<SaleOutboxSignal>();
        services.AddHostedService<SaleOutboxRelay>();
        services.AddSingleton<SaleAnnouncer>();
        services.AddHostedService(sp => sp.GetRequiredService<SaleAnnouncer>());
        services.AddSingleton<SaleSweeper>();
        services.AddHostedService(sp => sp.GetRequiredService<SaleSweeper>());
        if (configuration.GetValue(CommerceOptions.Section + ":" + nameof(CommerceOptions.OrderWriterEnabled), true))
        {
            services.AddHostedService<OrderWriter>();
        }
    }
}
