using Live.UserService.Grpc;
using Live.ServiceDefaults.Hosting;

namespace Live.UserService;

public static class UserServiceApp
{
    public const string ServiceName = "user-service";

    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = PlatformHost.CreateBuilder(args, ServiceName, configure);
        var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapGrpcService<UserGrpcService>();
        return app;
    }
}
