using Live.Edge.Identity;
using Live.Edge.Inbox;
using Live.Edge.Passes;
using Live.Edge.Relay;
using Live.Edge.Rooms;
using Live.Edge.Sockets;
using Live.Edge.Telemetry;
using Live.Protocol;
using Live.ServiceClients;
using Live.ServiceClients.Rooms;
using Live.ServiceDefaults.Hosting;
using Live.ServiceDefaults.Identity;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Live.Edge;

/// <summary>Builds the Edge host; Program.cs and the in-process test hosts share it.</summary>
public static class EdgeApp
{
    public const string ServiceName = "edge";

    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = PlatformHost.CreateBuilder(args, ServiceName, configure);
        builder.Services.AddEdgeServices(builder.Configuration);

        var app = builder.Build();
        app.MapDefaultEndpoints();
        app.UseWebSockets();
        app.MapRoomSocket();

        // Clients are told to come back (1001) rather than cut off, so they resume with last_seq elsewhere.
        app.Lifetime.ApplicationStopping.Register(() =>
        {
            foreach (var connection in app.Services.GetRequiredService<RoomRegistry>().Connections)
            {
                connection.RequestClose(CloseCodes.GoingAway, "edge shutting down; reconnect with last_seq");
            }
        });
        return app;
    }

    private static void AddEdgeServices(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<EdgeOptions>(configuration, EdgeOptions.Section);
        services.AddValidatedOptions<RelayOptions>(configuration, RelayOptions.Section);
        services.AddSingleton<EdgeMetrics>();
        services.AddRoomStatusCache(configuration);
        services.AddMessageServiceConnections(configuration, (configuration.GetSection(RelayOptions.Section).Get<RelayOptions>() ?? new RelayOptions()).Streams);
        services.AddProxyIdentity(configuration);
        services.AddSingleton<IdentityResolver>();
        services.AddRoomPassOptions(configuration, keyRequired: false);
        services.AddSingleton<RoomPassIssuer>();
        services.AddSingleton<RoomRegistry>();
        services.AddValidatedOptions<InboxOptions>(configuration, InboxOptions.Section);
        services.AddInboxServiceClient(configuration);
        services.AddSingleton<ReadMarker>();
        services.AddSingleton<InboxConnector>();
        services.AddSingleton<UserRegistry>();
        services.AddSingleton<RelayClient>();
        services.AddHostedService(sp => sp.GetRequiredService<RelayClient>());
        services.AddHealthChecks().AddCheck<RelayHealthCheck>("relay", HealthStatus.Unhealthy, [ServiceDefaultsExtensions.ReadyTag]);
        services.AddSingleton<ViewerChangeBatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<ViewerChangeBatcher>());
        services.AddHostedService<ConnectionSweeper>();
    }
}
