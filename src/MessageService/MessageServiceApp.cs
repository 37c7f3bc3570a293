using Live.MessageService.Fanout;
using Live.MessageService.Grpc;
using Live.MessageService.History;
using Live.MessageService.Ingest;
using Live.MessageService.Telemetry;
using Live.ServiceDefaults.Hosting;
using Live.ServiceDefaults.Identity;
using Live.ServiceDefaults.Kafka;
using Live.ServiceDefaults.Redis;
using Live.ServiceDefaults.Rooms;

namespace Live.MessageService;

/// <summary>Builds the MessageService host; Program.cs and the in-process test hosts share it.</summary>
public static class MessageServiceApp
{
    public const string ServiceName = "message-service";

    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = PlatformHost.CreateBuilder(args, ServiceName, configure);
        builder.Services.AddMessageServices(builder.Configuration);

        var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapGrpcService<MessageGrpcService>();
        return app;
    }

    private static void AddMessageServices(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<MessageOptions>(configuration, MessageOptions.Section);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<MessageMetrics>();
        services.AddRedis(configuration, ServiceName);
        services.AddKafkaProducer(configuration, ServiceName);
        services.AddRoomStatusCache(configuration);
        services.AddProxyIdentity(configuration);

        // The ingest steps, in order. Moderation (issue 5) adds its steps here, between these two and the seq.
        services.AddSingleton<IIngestStep, ContentRules>();
        services.AddSingleton<IIngestStep, RoomMustBeLive>();

        services.AddSingleton<MessageSequencer>();
        services.AddSingleton<KafkaMessageSink>();
        services.AddHostedService(sp => sp.GetRequiredService<KafkaMessageSink>());
        services.AddSingleton<IngestPipeline>();
        services.AddSingleton<HistoryReader>();
        services.AddSingleton<RoomHub>();
        services.AddHostedService<BatchFlusher>();
    }
}
