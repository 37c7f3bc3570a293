using Live.StatsService.Grpc;
using Live.ServiceDefaults.Hosting;

namespace Live.StatsService;

public static class StatsServiceApp
{
    public const string ServiceName = "stats-service";

    public static WebApplication Build(string[] args, IEnumerable<KeyValuePair<string, string?>>? overrides = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        if (overrides is not null)
        {
            builder.Configuration.AddInMemoryCollection(overrides);
        }

        builder.AddServiceDefaults(ServiceName);
        var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapGrpcService<StatsGrpcService>();
        return app;
    }
}
