using System.Diagnostics.Metrics;

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
    private long connections;
    private long dropped;

    public EdgeMetrics(IMeterFactory meterFactory)
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
        meter.CreateObservableGauge("live.edge.connections", () => Volatile.Read(ref connections), description: "Open WebSocket connections.");
    }

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

    public void Dispose() => meter.Dispose();
}
