using Live.Gifts;
using Live.Gifts.Announcing;
using Live.Kafka;
using Live.MessageService.Admin;
using Live.MessageService.Fanout;
using Live.MessageService.Gifts;
using Live.MessageService.Grpc;
using Live.MessageService.Handoff;
using Live.MessageService.History;
using Live.MessageService.Inbox;
using Live.MessageService.Ingest;
using Live.MessageService.Telemetry;
using Live.Moderation;
using Live.Redis;
using Live.ServiceClients.Rooms;
using Live.ServiceDefaults.Hosting;
using Live.ServiceDefaults.Identity;

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
        app.UseGrpcWebForBrowsers();
        app.MapDefaultEndpoints();
        app.MapGrpcService<MessageGrpcService>();
        app.MapGrpcService<ModerationAdminService>();
        app.MapGiftService();
        app.MapInbox();
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
        services.AddModeration(configuration);
        services.AddValidatedOptions<RejectionLogOptions>(configuration, RejectionLogOptions.Section);
        services.AddSingleton<RejectionLog>();
        services.AddHostedService(sp => sp.GetRequiredService<RejectionLog>());

        // The ingest steps, in order, all before the seq. Moderation runs last, so a message it admits (and
        // charges the sender's rate limit and duplicate window for) is one that can be delivered.
        services.AddSingleton<IIngestStep, MessageShape>();
        services.AddSingleton<IIngestStep, RoomMustBeLive>();
        services.AddSingleton<IIngestStep, ModerationStep>();

        services.AddSingleton<MessageSequencer>();
        services.AddSingleton<RoomPositionReader>();
        services.AddSingleton<KafkaMessageSink>();
        services.AddHostedService(sp => sp.GetRequiredService<KafkaMessageSink>());
        services.AddSingleton<NodeIdentity>();
        services.AddSingleton<KafkaDeliveryMarks>();
        services.AddSingleton<OrphanedRecordRecovery>();
        services.AddHostedService<NodeLease>();
        services.AddSingleton<IngestPipeline>();
        services.AddSingleton<HistoryReader>();
        services.AddSingleton<EpochReplacer>();
        services.AddSingleton<RoomHub>();
        services.AddSingleton<UserRoutes>();
        services.AddHostedService<BatchFlusher>();
        services.AddHostedService<SubscriptionLossWatcher>();

        services.AddValidatedOptions<ConsumerLagOptions>(configuration, ConsumerLagOptions.Section);
        services.AddHostedService<ConsumerLagMonitor>();

        services.AddSingleton<RoomAuthority>();
        services.AddSingleton<MessageDeleter>();

        // GiftService (its own database, live_gifts, and outbox relay); each new gift is shown in its room as a
        // combo message through the ingest above. Registered after the Kafka sink, so it stops first and can
        // still publish the combo updates it owes.
        services.AddGifts(configuration);
        services.AddValidatedOptions<GiftComboOptions>(configuration, GiftComboOptions.Section);
        services.AddSingleton<GiftStreaks>();
        services.AddSenderNames(configuration);
        services.AddSingleton<GiftComboAnnouncer>();
        services.AddSingleton<IGiftAnnouncer>(sp => sp.GetRequiredService<GiftComboAnnouncer>());
        services.AddHostedService(sp => sp.GetRequiredService<GiftComboAnnouncer>());

        // Messages to one user (ADR 0012): stored in MySQL, announced on the user's Redis channel.
        services.AddInbox(configuration);
    }
}
