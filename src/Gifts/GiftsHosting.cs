using Live.Data;
using Live.Gifts.Catalog;
using Live.Gifts.Data;
using Live.Gifts.Events;
using Live.Gifts.Grpc;
using Live.Gifts.Sending;
using Live.Gifts.Telemetry;
using Live.Gifts.Wallets;
using Live.ServiceClients;
using Live.ServiceDefaults.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Live.Gifts;

/// <summary>How a service hosts gifts: <see cref="AddGifts"/> at start-up, <see cref="MapGiftService"/> after Build.</summary>
public static class GiftsHosting
{
    /// <summary>
    /// The gift database (ConnectionStrings:Gifts, database live_gifts), the gift outbox relay and the RoomService
    /// client (Services:RoomService). The relay publishes with the host's producer: call AddKafkaProducer too.
    /// </summary>
    public static IServiceCollection AddGifts(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<GiftsOptions>(configuration, GiftsOptions.Section);
        services.TryAddSingleton(TimeProvider.System);
        services.AddMySqlDbContext<GiftsDbContext>(configuration, "Gifts");
        services.AddSingleton<GiftMetrics>();
        services.AddSingleton<GiftCatalog>();
        services.AddRoomServiceClient(configuration);
        services.AddSingleton<RoomLookup>();
        services.AddSingleton<GiftOutboxSignal>();
        services.AddScoped<WalletStore>();
        services.AddScoped<GiftSender>();
        services.AddHostedService<GiftOutboxRelay>();
        return services;
    }

    public static WebApplication MapGiftService(this WebApplication app)
    {
        app.MapGrpcService<GiftGrpcService>();
        return app;
    }

    /// <summary>Applies the gift database's migrations (a host's `--migrate`, test fixtures).</summary>
    public static Task MigrateGiftsAsync(this IServiceProvider services, CancellationToken ct = default) =>
        PlatformDatabase.MigrateAsync<GiftsDbContext>(services, ct);
}
