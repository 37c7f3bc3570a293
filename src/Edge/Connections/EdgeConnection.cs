using System.Diagnostics;
using System.Net.WebSockets;
using Live.Edge.Identity;
using Live.Edge.Passes;
using Live.Edge.Telemetry;
using Live.Protocol;

namespace Live.Edge.Connections;

/// <summary>
/// One client WebSocket and its life: joining (room batches wait in a pending list until the replay is done,
/// then only what comes after it is sent), live, and closing (one close code, the outbox drained or abandoned,
/// the transport aborted when the close does not get out). What goes out is <see cref="ConnectionOutbox"/>'s
/// job, what comes in <see cref="InboundGate"/>'s; the periodic checks are <see cref="Sweep"/>.
/// </summary>
public sealed class EdgeConnection
{
    /// <summary>Recorded, never sent: the socket failed under us (the standard's "abnormal closure").</summary>
    internal const int ConnectionLost = 1006;

    private static long lastId;

    private readonly WebSocket socket;
    private readonly Action abortTransport;
    private readonly EdgeOptions options;
    private readonly ConnectionOutbox outbox;
    private readonly InboundGate inbound;
    private readonly Lock gate = new();
    private readonly long graceTicks;
    private readonly RoomPassIssuer? passes;
    private List<OutgoingFrame>? pendingLive = [];
    private volatile bool isLive;
    private long watermark;
    private long lastHeartbeat;
    private long nextPassAt;
    private long closeRequestedAt;
    private int closeCode;
    private string closeReason = string.Empty;

    public EdgeConnection(WebSocket socket, Action abortTransport, ConnectionIdentity identity, long roomId, ClientFormat format,
        EdgeOptions options, EdgeMetrics metrics, IMessageUplink uplink, RoomPassIssuer? passes = null)
    {
        this.socket = socket;
        this.abortTransport = abortTransport;
        this.options = options;
        Identity = identity;
        RoomId = roomId;
        Format = format;
        graceTicks = options.SlowConsumerGraceMs * Stopwatch.Frequency / 1000;
        lastHeartbeat = Stopwatch.GetTimestamp();
        // Guests cannot buy: they get no pass, and the sweeper never looks at their pass time.
        this.passes = passes is { Enabled: true } && !identity.IsGuest ? passes : null;
        outbox = new ConnectionOutbox(socket, this, format, options, metrics);
        inbound = new InboundGate(socket, this, options, metrics, uplink);
    }

    public long Id { get; } = Interlocked.Increment(ref lastId);
    public ConnectionIdentity Identity { get; }
    public long RoomId { get; }
    public ClientFormat Format { get; }

    /// <summary>
    /// Where the room's live traffic stood when the client joined (batches up to it are not sent again), or null
    /// when the room's subscription was not confirmed yet (then the subscription's position applies).
    /// </summary>
    public StreamPosition? Joined { get; set; }

    /// <summary>The writer shard of its room that delivers to it (<see cref="Rooms.LocalRoom"/>), chosen at join.</summary>
    internal int RoomShardIndex { get; set; }

    /// <summary>Its place in that shard's list; only the shard's writer reads or moves it.</summary>
    internal int RoomSlot { get; set; }

    /// <summary>Where acks of user messages go (docs/inbox.md); null for guests, who get none.</summary>
    public IUserAcks? UserAcks { get; set; }

    public int CloseCode => Volatile.Read(ref closeCode);
    public string CloseReason => closeReason;
    public long QueuedBytes => outbox.QueuedBytes;

    /// <summary>The code the close frame carries: the requested one, or a normal close when none was (or the socket failed).</summary>
    internal int CloseStatusToSend => CloseCode is 0 or ConnectionLost ? CloseCodes.Normal : CloseCode;

    /// <summary>A room batch (or room-wide frame) for this connection; called by the room's fan-out.</summary>
    public void Deliver(OutgoingFrame frame)
    {
        if (!isLive)
        {
            lock (gate)
            {
                if (!isLive)
                {
                    if (pendingLive!.Count >= options.MaxPendingLiveFrames)
                    {
                        RequestClose(CloseCodes.SlowConsumer, "too much live traffic queued while replaying history");
                        return;
                    }

                    pendingLive.Add(frame);
                    return;
                }
            }
        }

        Enqueue(frame);
    }

    /// <summary>
    /// Ends the replay: the resume frame (with the epoch <paramref name="replayedUpTo"/> belongs to), then what was
    /// held (only what comes after it; an epoch change among it moves the position) and traffic flows.
    /// </summary>
    public void GoLive(long replayedUpTo, long epoch)
    {
        Enqueue(OutgoingFrame.Control(FrameWriter.EncodeMessage(FrameType.Resume, NowMs(), epoch, RoomId, replayedUpTo, null, null, null)));
        SendRoomPass(Stopwatch.GetTimestamp());
        lock (gate)
        {
            watermark = replayedUpTo;
            foreach (var held in pendingLive!)
            {
                if (held.After(watermark) is { } rest)
                {
                    Enqueue(rest);
                }
            }

            pendingLive = null;
            isLive = true;
        }
    }

    /// <summary>Queues a frame made for this connection only (error, replay, not-recovered).</summary>
    public void SendOwn(OutgoingFrame frame) => Enqueue(frame);

    /// <param name="retryAfterMs">When a retry can succeed; 0 when it does not apply.</param>
    public void SendError(ErrorCode code, string reason, long retryAfterMs = 0) =>
        Enqueue(OutgoingFrame.Control(FrameWriter.EncodeError(code, NowMs(), RoomId, reason, retryAfterMs)));

    /// <summary>
    /// Asks the connection to close with a code. Frames already queued (e.g. the error frame that explains the
    /// close) are sent first, except for a slow consumer, whose queue is abandoned.
    /// </summary>
    public void RequestClose(int code, string reason)
    {
        if (Interlocked.CompareExchange(ref closeCode, code, 0) != 0)
        {
            return;
        }

        closeReason = reason;
        Volatile.Write(ref closeRequestedAt, Stopwatch.GetTimestamp());
        outbox.Complete(abandon: code is CloseCodes.SlowConsumer or CloseCodes.GoingAway or CloseCodes.IdleTimeout or ConnectionLost);
    }

    /// <summary>Periodic checks, called by the sweeper: idle timeout, heartbeat, slow consumer, close timeout.</summary>
    public void Sweep(long now, OutgoingFrame heartbeat)
    {
        var closeAt = Volatile.Read(ref closeRequestedAt);
        if (closeAt != 0)
        {
            if (now - closeAt > options.CloseTimeoutMs * Stopwatch.Frequency / 1000)
            {
                // The close frame could not get out (the client stopped reading): drop the TCP connection itself,
                // or the server would keep trying to flush bytes nobody reads.
                AbortTransport();
            }

            return;
        }

        if (now - inbound.LastReceived > options.IdleTimeoutMs * Stopwatch.Frequency / 1000)
        {
            RequestClose(CloseCodes.IdleTimeout, "nothing received within the idle timeout; send heartbeats");
            return;
        }

        var overSince = outbox.OverCapSince;
        if (overSince != 0 && now - overSince > graceTicks)
        {
            RequestClose(CloseCodes.SlowConsumer, "outgoing queue stayed over its cap; read faster or reconnect with last_seq");
            return;
        }

        if (now - lastHeartbeat > options.HeartbeatIntervalMs * Stopwatch.Frequency / 1000)
        {
            lastHeartbeat = now;
            if (isLive)
            {
                Enqueue(heartbeat);
            }
        }

        if (passes is not null && isLive && now >= Volatile.Read(ref nextPassAt))
        {
            SendRoomPass(now);
        }
    }

    /// <summary>A fresh room pass for a signed-in connection; the next one is due at half its lifetime.</summary>
    private void SendRoomPass(long now)
    {
        if (passes is null)
        {
            return;
        }

        Volatile.Write(ref nextPassAt, now + passes.RefreshTicks);
        Enqueue(passes.Issue(Identity.UserId, RoomId));
    }

    /// <summary>Drops the TCP connection without a close handshake; for clients that do not finish one in bounds.</summary>
    internal void AbortTransport()
    {
        socket.Abort();
        try
        {
            abortTransport();
        }
        catch (ObjectDisposedException)
        {
            // The request ended between the caller's look at this connection and now: nothing is left to drop.
        }
    }

    /// <summary>
    /// The socket's writer for queued frames until the close frame is out; see <see cref="ConnectionOutbox"/>. It
    /// starts with the first frame that queues or with the close, so awaiting it before either starts it.
    /// </summary>
    public Task SendLoopAsync() => outbox.SendLoopAsync();

    /// <summary>Reads the client until it closes or the connection does; see <see cref="InboundGate"/>.</summary>
    public Task ReceiveLoopAsync() => inbound.RunAsync();

    private void Enqueue(OutgoingFrame frame)
    {
        if (CloseCode != 0)
        {
            return;
        }

        if (frame.StartsEpoch)
        {
            // Seqs start again in the new epoch: only what comes after its resume point is new to the client.
            watermark = frame.LastSeq;
        }
        else if (frame.IsBatch && frame.FirstSeq <= watermark)
        {
            // Only the first live batches after a replay can overlap what the client already has.
            if (frame.After(watermark) is not { } rest)
            {
                return;
            }

            frame = rest;
        }

        outbox.Enqueue(frame);
    }

    private static long NowMs() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
}
