using Live.UserService.Grpc;
using Live.ServiceDefaults.Hosting;

namespace Live.UserService;

public static class UserServiceApp
{
    public const string ServiceName = "user-service";

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
        app.MapGrpcService<UserGrpcService>();
        return app;
    }
}
