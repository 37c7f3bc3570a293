using Live.StatsService.Grpc;
using Live.ServiceDefaults.Hosting;

namespace Live.StatsService;

public static class StatsServiceApp
{
    public const string ServiceName = "stats-service";

    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = PlatformHost.CreateBuilder(args, ServiceName, configure);
        var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapGrpcService<StatsGrpcService>();
        return app;
    }
}
