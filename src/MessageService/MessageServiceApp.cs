using Live.MessageService.Grpc;
using Live.ServiceDefaults.Hosting;

namespace Live.MessageService;

public static class MessageServiceApp
{
    public const string ServiceName = "message-service";

    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = PlatformHost.CreateBuilder(args, ServiceName, configure);
        var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapGrpcService<MessageGrpcService>();
        return app;
    }
}
