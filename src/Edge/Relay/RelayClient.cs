using Live.Edge.Connections;
using Live.Edge.Inbox;
using Live.Edge.Rooms;
using Live.Edge.Telemetry;
using Live.ServiceClients;
using Live.ServiceDefaults.Concurrency;
using Live.V1;
using Microsoft.Extensions.Options;

namespace Live.Edge.Relay;

/// <summary>
/// This Edge's fixed set of relay streams to MessageService (Services:MessageService; a stream whose node fails
/// moves to the next of Services:MessageServiceFallbacks). A room always uses the same stream (by id), so each
/// room batch reaches this Edge exactly once; so does a signed-in user.
/// </summary>
public sealed class RelayClient : BackgroundService, IMessageUplink
{
    private readonly RelayStream[] streams;
    private readonly RoomRegistry registry;
    private readonly EdgeMetrics metrics;
    private readonly RelayOptions settings;
    private readonly ILogger<RelayClient> logger;
    private readonly SingleFlight<(long RoomId, long AfterSeq, int Limit), GetHistoryResponse> historyPages = new();

    public RelayClient(MessageServiceConnections connections, IOptions<RelayOptions> options, RoomRegistry registry, UserRegistry users,
        EdgeMetrics metrics, ILogger<RelayClient> logger)
    {
        // A connection per stream (Relay:Streams of them, AddMessageServiceConnections): one busy stream does
        // not hold up another's frames.
        this.registry = registry;
        this.metrics = metrics;
        this.logger = logger;
        settings = options.Value;
        streams = new RelayStream[connections.Clients.Count];
        for (var i = 0; i < streams.Length; i++)
        {
            streams[i] = new RelayStream(i, connections.Clients[i], connections.Addresses, registry, users, settings, metrics, logger);
        }
    }

    /// <summary>The streams open now, of <see cref="StreamCount"/>.</summary>
    public int ConnectedStreams => streams.Count(stream => stream.IsConnected);

    public int StreamCount => streams.Length;

    /// <summary>Client messages queued toward MessageService on all streams; what an outage makes pile up, if anything.</summary>
    public int QueuedMessages
    {
        get
        {
            var total = 0;
            foreach (var stream in streams)
            {
                total += stream.QueuedMessages;
            }

            return total;
        }
    }

    /// <summary>
    /// A page of a room's history as one batch frame (resume), from the node the room's stream uses now, so history
    /// and live traffic come from one place. Viewers returning together mostly ask for the same page (they saw the
    /// same stream up to the same seq): with <paramref name="mayShare"/>, those asking while it is being read share
    /// that one call and its frame — a read that began before the caller joined, so it may end short of the live
    /// traffic the caller holds; a caller that needs the newest reads with <paramref name="mayShare"/> false.
    /// </summary>
    public Task<GetHistoryResponse> ReadHistoryAsync(long roomId, long afterSeq, int limit, bool mayShare) => mayShare
        ? historyPages.RunAsync((roomId, afterSeq, limit), static (page, client) => client.ReadHistoryPageAsync(page.RoomId, page.AfterSeq, page.Limit), this)
        : ReadHistoryPageAsync(roomId, afterSeq, limit);

    private Task<GetHistoryResponse> ReadHistoryPageAsync(long roomId, long afterSeq, int limit) =>
        For(roomId).Client.GetHistoryAsync(new GetHistoryRequest { RoomId = roomId, AfterSeq = afterSeq, Limit = limit, AsBatch = true },
            deadline: DateTime.UtcNow.AddSeconds(5)).ResponseAsync;

    public RelaySendResult TrySendMessage(long roomId, RelayUp up) => For(roomId).TrySendMessage(up);

    public void Subscribe(long roomId)
    {
        metrics.RoomSubscribed();
        For(roomId).Subscribe(roomId);
    }

    public void Unsubscribe(long roomId)
    {
        metrics.RoomUnsubscribed();
        For(roomId).Unsubscribe(roomId);
    }

    /// <summary>
    /// The user has a first connection on this Edge: one stream, chosen by user id, tells its MessageService, so
    /// each (Edge, user) is routed by one node and each publication reaches this Edge once.
    /// </summary>
    public void AnnounceUser(long userId) => ForUser(userId).AnnounceUser(userId);

    public void WithdrawUser(long userId) => ForUser(userId).WithdrawUser(userId);

    /// <summary>
    /// Starts the streams and waits (up to <c>Relay:StartupWaitMs</c>) until each has opened. The web server starts
    /// listening only after the hosted services have started, so an Edge that restarts under thousands of waiting
    /// clients opens its relay before they arrive, not while their upgrades take the CPU; it listens anyway once the
    /// wait is over (MessageService down), and its viewers then get 1013 until the streams open.
    /// </summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await base.StartAsync(cancellationToken);
        var opened = Task.WhenAll(streams.Select(stream => stream.FirstConnected));
        await Task.WhenAny(opened, Task.Delay(settings.StartupWaitMs, cancellationToken));
        cancellationToken.ThrowIfCancellationRequested();
        if (!opened.IsCompleted)
        {
            Log.RelayNotOpenAtStart(logger, ConnectedStreams, streams.Length, settings.StartupWaitMs);
        }
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll([.. Array.ConvertAll(streams, stream => stream.RunAsync(stoppingToken)), ReportAudiencesAsync(stoppingToken)]);

    /// <summary>Offers every room's connection count to its stream, which reports those that moved (ADR 0017).</summary>
    private async Task ReportAudiencesAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(settings.AudienceReportIntervalMs));
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                foreach (var room in registry.Rooms)
                {
                    For(room.RoomId).ReportAudience(room.RoomId, room.ConnectionCount);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    private RelayStream ForUser(long userId) => streams[(int)((ulong)userId % (ulong)streams.Length)];

    private RelayStream For(long roomId) => streams[(int)((ulong)roomId % (ulong)streams.Length)];
}
