using System.ComponentModel.DataAnnotations;
using Grpc.Net.Client;
using Live.Edge.Rooms;
using Live.Edge.Telemetry;
using Live.V1;
using Microsoft.Extensions.Options;

namespace Live.Edge.Relay;

/// <summary>
/// This Edge's fixed set of relay streams to MessageService (Services:MessageService). A room always uses
/// the same stream (by id), so each room batch reaches this Edge exactly once.
/// </summary>
public sealed class RelayClient : BackgroundService
{
    private readonly RelayStream[] streams;
    private readonly GrpcChannel[] channels;

    public RelayClient(IConfiguration configuration, IOptions<RelayOptions> options, RoomRegistry registry, EdgeMetrics metrics, ILogger<RelayClient> logger)
    {
        var address = configuration["Services:MessageService"];
        if (string.IsNullOrWhiteSpace(address) || !Uri.TryCreate(address, UriKind.Absolute, out var uri))
        {
            throw new ValidationException("Configuration 'Services:MessageService' must be the MessageService gRPC address, e.g. http://127.0.0.1:5103.");
        }

        var settings = options.Value;
        channels = new GrpcChannel[settings.Streams];
        streams = new RelayStream[settings.Streams];
        for (var i = 0; i < streams.Length; i++)
        {
            // A channel (and so an HTTP/2 connection) per stream: one busy stream does not hold up another's frames.
            channels[i] = GrpcChannel.ForAddress(uri, new GrpcChannelOptions
            {
                HttpHandler = new SocketsHttpHandler
                {
                    EnableMultipleHttp2Connections = true,
                    PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
                    KeepAlivePingDelay = TimeSpan.FromSeconds(20),
                    KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
                    ConnectTimeout = TimeSpan.FromSeconds(3),
                },
                MaxReceiveMessageSize = 16 * 1024 * 1024,
            });
            streams[i] = new RelayStream(i, channels[i], registry, settings, metrics, logger);
        }

        History = new Live.V1.MessageService.MessageServiceClient(channels[0]);
    }

    /// <summary>For GetHistory (resume); shares the first stream's connection.</summary>
    public Live.V1.MessageService.MessageServiceClient History { get; }

    public RelaySendResult TrySendMessage(long roomId, RelayUp up) => For(roomId).TrySendMessage(up);

    public void Subscribe(long roomId) => For(roomId).Subscribe(roomId);

    public void Unsubscribe(long roomId) => For(roomId).Unsubscribe(roomId);

    public override void Dispose()
    {
        base.Dispose();
        foreach (var channel in channels)
        {
            channel.Dispose();
        }
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Array.ConvertAll(streams, stream => stream.RunAsync(stoppingToken)));

    private RelayStream For(long roomId) => streams[(int)((ulong)roomId % (ulong)streams.Length)];
}
