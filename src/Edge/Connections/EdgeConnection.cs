using System.Buffers;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Threading.Channels;
using Live.Edge.Identity;
using Live.Edge.Relay;
using Live.Edge.Rooms;
using Live.Edge.Telemetry;
using Live.Protocol;
using Live.V1;

namespace Live.Edge.Connections;

/// <summary>
/// One client WebSocket. A receive loop (zero-byte reads while idle, pooled buffer only while a frame is
/// arriving) and a send loop fed by an outbox bounded in bytes; one writer at a time (the loop, or a caller
/// that found the outbox empty and wrote inline), ordered by <see cref="writeLock"/>. Until the
/// connection is live (its replay done), room batches wait in a pending list and are then filtered by seq.
/// </summary>
public sealed class EdgeConnection
{
    private static long lastId;

    /// <summary>Recorded, never sent: the socket failed under us (the standard's "abnormal closure").</summary>
    private const int ConnectionLost = 1006;

    private readonly WebSocket socket;
    private readonly Action abortTransport;
    private readonly EdgeOptions options;
    private readonly EdgeMetrics metrics;
    private readonly RelayClient relay;
    private readonly Channel<OutgoingFrame> outbox = Channel.CreateUnbounded<OutgoingFrame>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>
    /// Held by whoever writes to the socket: the send loop, or a caller of Enqueue that found the outbox empty
    /// and the socket idle and wrote the frame on its own thread. That fast path saves waking the send loop
    /// once per frame, which a room fan-out would otherwise do for every connection on every batch.
    /// </summary>
    private readonly SemaphoreSlim writeLock = new(1, 1);
    private int framesInOutbox;
    private readonly Lock gate = new();
    private readonly long capBytes;
    private readonly long graceTicks;
    private List<OutgoingFrame>? pendingLive = [];
    private volatile bool isLive;
    private long watermark;
    private long queuedBytes;
    private long overCapSince;
    private long lastReceived;
    private long lastHeartbeat;
    private long closeRequestedAt;
    private int closeCode;
    private volatile bool abandonQueue;
    private string closeReason = string.Empty;
    private long rateWindowStart;
    private int framesInWindow;
    private int invalidFrames;

    public EdgeConnection(WebSocket socket, Action abortTransport, ConnectionIdentity identity, long roomId, ClientFormat format,
        EdgeOptions options, EdgeMetrics metrics, RelayClient relay)
    {
        this.socket = socket;
        this.abortTransport = abortTransport;
        this.options = options;
        this.metrics = metrics;
        this.relay = relay;
        Identity = identity;
        RoomId = roomId;
        Format = format;
        capBytes = options.OutboxCapBytes;
        graceTicks = options.SlowConsumerGraceMs * Stopwatch.Frequency / 1000;
        lastReceived = lastHeartbeat = rateWindowStart = Stopwatch.GetTimestamp();
    }

    public long Id { get; } = Interlocked.Increment(ref lastId);
    public ConnectionIdentity Identity { get; }
    public long RoomId { get; }
    public ClientFormat Format { get; }

    /// <summary>The seq the client had when it joined; room batches up to it are not sent again.</summary>
    public long JoinSeq { get; set; }

    public int CloseCode => Volatile.Read(ref closeCode);
    public string CloseReason => closeReason;
    public long QueuedBytes => Volatile.Read(ref queuedBytes);

    private WebSocketMessageType MessageType => Format == ClientFormat.Json ? WebSocketMessageType.Text : WebSocketMessageType.Binary;

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

    /// <summary>Ends the replay: what was held is sent (only what comes after <paramref name="replayedUpTo"/>) and traffic flows.</summary>
    public void GoLive(long replayedUpTo)
    {
        Enqueue(OutgoingFrame.Control(FrameWriter.EncodeControl(FrameType.Resume, NowMs(), RoomId, replayedUpTo)));
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

        abandonQueue = code is CloseCodes.SlowConsumer or CloseCodes.GoingAway or CloseCodes.IdleTimeout or ConnectionLost;

        closeReason = reason;
        Volatile.Write(ref closeRequestedAt, Stopwatch.GetTimestamp());
        outbox.Writer.TryComplete();
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
                socket.Abort();
                abortTransport();
            }

            return;
        }

        if (now - Volatile.Read(ref lastReceived) > options.IdleTimeoutMs * Stopwatch.Frequency / 1000)
        {
            RequestClose(CloseCodes.IdleTimeout, "nothing received within the idle timeout; send heartbeats");
            return;
        }

        var overSince = Volatile.Read(ref overCapSince);
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
    }

    public async Task SendLoopAsync()
    {
        var reader = outbox.Reader;
        try
        {
            while (!abandonQueue && await reader.WaitToReadAsync())
            {
                await writeLock.WaitAsync();
                try
                {
                    while (!abandonQueue && reader.TryRead(out var frame))
                    {
                        Interlocked.Decrement(ref framesInOutbox);
                        var bytes = frame.BytesFor(Format);
                        await socket.SendAsync(bytes, MessageType, endOfMessage: true, CancellationToken.None);
                        Sent(bytes.Length);
                    }
                }
                finally
                {
                    writeLock.Release();
                }
            }

            // Kept for good: a frame written inline may still be going out, and the close frame comes last.
            await writeLock.WaitAsync();
            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                using var timeout = new CancellationTokenSource(options.CloseTimeoutMs);
                await socket.CloseOutputAsync((WebSocketCloseStatus)CloseCodeOrNormal(), closeReason, timeout.Token);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The socket was aborted or the client vanished; nothing more can be sent.
            RequestClose(ConnectionLost, "connection lost");
        }
    }

    public async Task ReceiveLoopAsync()
    {
        try
        {
            while (socket.State == WebSocketState.Open)
            {
                // Zero-byte read: no buffer is held while the client is idle, which is most of the time.
                var peek = await socket.ReceiveAsync(Memory<byte>.Empty, CancellationToken.None);
                if (peek.MessageType == WebSocketMessageType.Close)
                {
                    RequestClose(CloseCodes.Normal, "client closed");
                    return;
                }

                var buffer = ArrayPool<byte>.Shared.Rent(options.MaxInboundFrameBytes);
                try
                {
                    var length = 0;
                    var result = peek;
                    while (!result.EndOfMessage)
                    {
                        if (length == options.MaxInboundFrameBytes)
                        {
                            RequestClose(CloseCodes.MessageTooBig, $"frames are limited to {options.MaxInboundFrameBytes} bytes");
                            return;
                        }

                        result = await socket.ReceiveAsync(buffer.AsMemory(length, options.MaxInboundFrameBytes - length), CancellationToken.None);
                        if (result.MessageType == WebSocketMessageType.Close)
                        {
                            RequestClose(CloseCodes.Normal, "client closed");
                            return;
                        }

                        length += result.Count;
                    }

                    if (!OnFrame(buffer.AsSpan(0, length), result.MessageType))
                    {
                        return;
                    }
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            RequestClose(ConnectionLost, "connection lost");
        }
    }

    private int CloseCodeOrNormal() => CloseCode is 0 or ConnectionLost ? CloseCodes.Normal : CloseCode;

    /// <returns>False when the connection must stop reading (it is closing).</returns>
    private bool OnFrame(ReadOnlySpan<byte> data, WebSocketMessageType type)
    {
        var now = Stopwatch.GetTimestamp();
        Volatile.Write(ref lastReceived, now);
        metrics.FrameReceived();
        if (now - rateWindowStart > Stopwatch.Frequency)
        {
            rateWindowStart = now;
            framesInWindow = 0;
        }

        if (++framesInWindow > options.MaxFramesPerSecond)
        {
            SendError(ErrorCode.RateLimited, $"more than {options.MaxFramesPerSecond} frames per second");
            RequestClose(CloseCodes.TooManyFrames, "too many frames per second");
            return false;
        }

        if (type == WebSocketMessageType.Text)
        {
            var status = JsonFrames.TryParseClient(data, out var json);
            return status == DecodeStatus.Ok ? OnMessage(json.Type, json.Content, json.Color, MessageTracing.Parse(json.TraceParent)) : Invalid(status);
        }

        var binary = FrameReader.TryReadSingleMessage(data, out var frame);
        if (binary != DecodeStatus.Ok)
        {
            return Invalid(binary);
        }

        return frame.Type switch
        {
            FrameType.Heartbeat => true,
            FrameType.Danmaku => OnMessage(FrameType.Danmaku, Encoding.UTF8.GetString(frame.Content), Encoding.UTF8.GetString(frame.Color), frame.ParentContext),
            _ => OnMessage(frame.Type, null, null, default),
        };
    }

    /// <param name="traceContext">The sender's trace context; default when the frame carried none.</param>
    private bool OnMessage(FrameType type, string? content, string? color, in ActivityContext traceContext)
    {
        if (type == FrameType.Heartbeat)
        {
            return true;
        }

        if (type != FrameType.Danmaku)
        {
            SendError(ErrorCode.UnsupportedFrame, $"clients send danmaku and heartbeat frames only; {JsonFrames.TypeName(type)} is not accepted");
            return true;
        }

        if (Identity.IsGuest)
        {
            SendError(ErrorCode.NotAllowed, "guests cannot send; sign in first");
            return true;
        }

        var up = new RelayUp
        {
            Message = new ClientMessage
            {
                ConnectionId = Id,
                RoomId = RoomId,
                UserId = Identity.UserId,
                UserName = Identity.UserName,
                Kind = MessageKind.Danmaku,
                Content = content ?? string.Empty,
                Color = color ?? string.Empty,
                UserLevel = Identity.Level,
                ClientIp = Identity.ClientIp,
            },
        };
        var activity = MessageTracing.StartReceive(traceContext, up.Message);
        var sent = relay.TrySendMessage(RoomId, up);
        switch (sent)
        {
            case RelaySendResult.Disconnected:
                SendError(ErrorCode.Unavailable, "message service unavailable; retry shortly");
                break;
            case RelaySendResult.Full:
                SendError(ErrorCode.Overloaded, "edge is overloaded; retry shortly");
                break;
        }

        MessageTracing.Sent(activity, sent);
        return true;
    }

    private bool Invalid(DecodeStatus status)
    {
        metrics.InvalidFrame(status.ToString());
        if (++invalidFrames > options.MaxInvalidFrames)
        {
            SendError(ErrorCode.MalformedFrame, DecodeStatusText.Describe(status));
            RequestClose(CloseCodes.TooManyInvalidFrames, "too many malformed frames");
            return false;
        }

        SendError(ErrorCode.MalformedFrame, DecodeStatusText.Describe(status));
        return true;
    }

    private void Enqueue(OutgoingFrame frame)
    {
        if (CloseCode != 0)
        {
            return;
        }

        if (frame.IsBatch && frame.FirstSeq <= watermark)
        {
            // Only the first live batches after a replay can overlap what the client already has.
            if (frame.After(watermark) is not { } rest)
            {
                return;
            }

            frame = rest;
        }

        var size = frame.BytesFor(Format).Length;
        var queued = Volatile.Read(ref queuedBytes);

        // An empty queue takes any frame, so a batch larger than the cap still reaches a reader that keeps up.
        if (queued > 0 && queued + size > capBytes)
        {
            MarkOverCap();
            if (!frame.HasPriority)
            {
                metrics.BatchDropped();
                return;
            }

            if (frame.PriorityOnly() is { } priority)
            {
                metrics.BatchDropped();
                frame = priority;
                size = frame.BytesFor(Format).Length;
            }

            if (queued + size > 2 * capBytes)
            {
                RequestClose(CloseCodes.SlowConsumer, "outgoing queue is over twice its cap");
                return;
            }
        }

        Interlocked.Add(ref queuedBytes, size);
        if (Volatile.Read(ref framesInOutbox) == 0 && writeLock.Wait(0))
        {
            // Checked again under the lock: a frame queued meanwhile goes first, so this one queues behind it.
            if (Volatile.Read(ref framesInOutbox) == 0 && !abandonQueue)
            {
                SendInline(frame);
                return;
            }

            writeLock.Release();
        }

        Interlocked.Increment(ref framesInOutbox);
        if (!outbox.Writer.TryWrite(frame))
        {
            Interlocked.Decrement(ref framesInOutbox);
        }
    }

    /// <summary>Writes a frame on the caller's thread; called holding <see cref="writeLock"/>, which it releases.</summary>
    private void SendInline(OutgoingFrame frame)
    {
        var bytes = frame.BytesFor(Format);
        ValueTask send;
        try
        {
            send = socket.SendAsync(bytes, MessageType, endOfMessage: true, CancellationToken.None);
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException)
        {
            writeLock.Release();
            RequestClose(ConnectionLost, "connection lost");
            return;
        }

        if (send.IsCompletedSuccessfully)
        {
            send.GetAwaiter().GetResult();
            Sent(bytes.Length);
            writeLock.Release();
            return;
        }

        // The socket is backed up: only this case costs a task, and the lock stays held until the write is done.
        _ = CompleteInlineAsync(send, bytes.Length);
    }

    private async Task CompleteInlineAsync(ValueTask send, int length)
    {
        try
        {
            await send;
            Sent(length);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            RequestClose(ConnectionLost, "connection lost");
        }
        finally
        {
            writeLock.Release();
        }
    }

    private void Sent(int length)
    {
        metrics.FrameSent(length);
        if (Interlocked.Add(ref queuedBytes, -length) <= capBytes / 2)
        {
            Volatile.Write(ref overCapSince, 0);
        }
    }

    private void MarkOverCap()
    {
        if (Volatile.Read(ref overCapSince) == 0)
        {
            Interlocked.CompareExchange(ref overCapSince, Stopwatch.GetTimestamp(), 0);
        }
    }

    private static long NowMs() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
}
