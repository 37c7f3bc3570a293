using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;

namespace Live.Edge.Telemetry;

public sealed class EdgeMetrics : IDisposable
{
    public const string Name = "Live.Edge";

    private readonly Meter meter;
    private readonly Counter<long> connectionsOpened;
    private readonly Counter<long> connectionsClosed;
    private readonly Counter<long> framesSent;
    private readonly Counter<long> bytesSent;
    private readonly Counter<long> batchesReceived;
    private readonly Counter<long> droppedBatches;
    private readonly Counter<long> inboundFrames;
    private readonly Counter<long> invalidFrames;
    private readonly Counter<long> viewerChangesDropped;
    private readonly Counter<long> relayReconnects;
    private readonly Counter<long> floodersDisconnected;
    private readonly Counter<long> connectionsRefused;
    private readonly Histogram<double> deliveryLatency;
    private long connections;
    private long dropped;
    private long subscribedRooms;

    public EdgeMetrics(IMeterFactory meterFactory, IOptions<EdgeOptions> options)
    {
        meter = meterFactory.Create(Name);
        connectionsOpened = meter.CreateCounter<long>("live.edge.connections.opened");
        connectionsClosed = meter.CreateCounter<long>("live.edge.connections.closed", description: "Closed connections by close code.");
        framesSent = meter.CreateCounter<long>("live.edge.frames.sent", description: "WebSocket frames written to clients.");
        bytesSent = meter.CreateCounter<long>("live.edge.bytes.sent");
        batchesReceived = meter.CreateCounter<long>("live.edge.batches.received", description: "Room batches received from MessageService (once per Edge per batch).");
        droppedBatches = meter.CreateCounter<long>("live.edge.batches.dropped", description: "Ordinary danmaku batches not sent to a slow client.");
        inboundFrames = meter.CreateCounter<long>("live.edge.frames.received");
        invalidFrames = meter.CreateCounter<long>("live.edge.frames.invalid", description: "Malformed inbound frames by reason.");
        viewerChangesDropped = meter.CreateCounter<long>("live.edge.viewer_changes.dropped", description: "Joins/leaves not sent to RoomService because the queue was full.");
        relayReconnects = meter.CreateCounter<long>("live.edge.relay.reconnects");
        floodersDisconnected = meter.CreateCounter<long>("live.edge.flooders.disconnected", description: "Connections closed (4030) because moderation named the sender a repeat flooder.");
        connectionsRefused = meter.CreateCounter<long>("live.edge.connections.refused", description: "Upgrades refused (503) because the process was at Edge:MaxConnections.");
        deliveryLatency = meter.CreateHistogram<double>("live.edge.delivery.latency", unit: "ms",
            description: "From MessageService accepting a batch's oldest message to the batch being handed to its room's writers here (in a room below Edge:ParallelFanoutMinConnections, queued to every local connection).");
        meter.CreateObservableGauge("live.edge.connections", () => Volatile.Read(ref connections), description: "Open WebSocket connections.");
        meter.CreateObservableGauge("live.edge.rooms", () => Volatile.Read(ref subscribedRooms),
            description: "Rooms this Edge subscribes on its relay streams (rooms with at least one local connection).");
        var limit = (long)options.Value.MaxConnections;
        meter.CreateObservableGauge("live.edge.connections.limit", () => limit, description: "Edge:MaxConnections, the most connections this process accepts.");

        // Counters the alert rules divide or take rates of start at zero, so the first event is an increase
        // Prometheus sees and a ratio has a denominator before anything has gone wrong.
        droppedBatches.Add(0);
        inboundFrames.Add(0);
        invalidFrames.Add(0);
        connectionsRefused.Add(0);
        relayReconnects.Add(0);
    }

    public long OpenConnections => Volatile.Read(ref connections);

    public long DroppedBatches => Volatile.Read(ref dropped);

    public void ConnectionOpened()
    {
        Interlocked.Increment(ref connections);
        connectionsOpened.Add(1);
    }

    public void ConnectionClosed(int code)
    {
        Interlocked.Decrement(ref connections);
        connectionsClosed.Add(1, new KeyValuePair<string, object?>("code", code));
    }

    public void FrameSent(int bytes)
    {
        framesSent.Add(1);
        bytesSent.Add(bytes);
    }

    public void RoomSubscribed() => Interlocked.Increment(ref subscribedRooms);

    public void RoomUnsubscribed() => Interlocked.Decrement(ref subscribedRooms);

    public void BatchReceived() => batchesReceived.Add(1);

    public void BatchDropped()
    {
        Interlocked.Increment(ref dropped);
        droppedBatches.Add(1);
    }

    public void FrameReceived() => inboundFrames.Add(1);

    public void InvalidFrame(string reason) => invalidFrames.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void ViewerChangeDropped() => viewerChangesDropped.Add(1);

    public void RelayReconnected() => relayReconnects.Add(1);

    public void FlooderDisconnected() => floodersDisconnected.Add(1);

    public void ConnectionRefused() => connectionsRefused.Add(1);

    /// <summary>A batch whose oldest message was accepted at <paramref name="oldestAcceptedMs"/> (Unix ms; 0: unknown) reached its connections.</summary>
    public void BatchDelivered(long oldestAcceptedMs)
    {
        if (oldestAcceptedMs > 0)
        {
            deliveryLatency.Record(Math.Max(0, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - oldestAcceptedMs));
        }
    }

    public void Dispose() => meter.Dispose();
}
