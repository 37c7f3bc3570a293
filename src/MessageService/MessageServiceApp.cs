using Live.MessageService.Grpc;
using Live.ServiceDefaults.Hosting;

namespace Live.MessageService;

public static class MessageServiceApp
{
    public const string ServiceName = "message-service";

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
        app.MapGrpcService<MessageGrpcService>();
        return app;
    }
}
