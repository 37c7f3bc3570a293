using System.Buffers;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using Live.Edge.Telemetry;
using Live.Protocol;
using Live.V1;

namespace Live.Edge.Connections;

/// <summary>
/// What one client sends, on its way in: the receive loop (zero-byte reads while idle, a pooled buffer only
/// while a frame is arriving, at most <see cref="EdgeOptions.MaxInboundFrameBytes"/>), the per-connection frame
/// rate, malformed frames, and the danmaku that go up the relay with the connection's identity.
/// </summary>
internal sealed class InboundGate
{
    private const int DrainChunkBytes = 16 * 1024;

    private readonly WebSocket socket;
    private readonly EdgeConnection connection;
    private readonly EdgeOptions options;
    private readonly EdgeMetrics metrics;
    private readonly IMessageUplink uplink;
    private long lastReceived;
    private long rateWindowStart;
    private int framesInWindow;
    private int invalidFrames;

    public InboundGate(WebSocket socket, EdgeConnection connection, EdgeOptions options, EdgeMetrics metrics, IMessageUplink uplink)
    {
        this.socket = socket;
        this.connection = connection;
        this.options = options;
        this.metrics = metrics;
        this.uplink = uplink;
        lastReceived = rateWindowStart = Stopwatch.GetTimestamp();
    }

    /// <summary>When (a <see cref="Stopwatch"/> timestamp) the last frame arrived; the idle timeout counts from it.</summary>
    public long LastReceived => Volatile.Read(ref lastReceived);

    /// <summary>
    /// Reads frames until the client closes or the connection does, then (when the client may still be sending) drains
    /// until the client's close. The wait for the next frame is in this method, so an idle connection keeps one state
    /// machine here, not one per nested call.
    /// </summary>
    public async Task RunAsync()
    {
        try
        {
            var outcome = FrameOutcome.Read;
            while (outcome == FrameOutcome.Read && connection.CloseCode == 0)
            {
                // Zero-byte read: no buffer is held while the client is idle, which is most of the time.
                var peek = await socket.ReceiveAsync(Memory<byte>.Empty, CancellationToken.None);
                outcome = peek.MessageType == WebSocketMessageType.Close ? FrameOutcome.ClientClosed : await ReadFrameAsync(peek);
            }

            if (outcome == FrameOutcome.ClientClosed)
            {
                connection.RequestClose(CloseCodes.Normal, "client closed");
                return;
            }

            await DrainUntilClosedAsync();
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            connection.RequestClose(EdgeConnection.ConnectionLost, "connection lost");
        }
    }

    private enum FrameOutcome
    {
        Read,
        ConnectionClosing,
        ClientClosed,
    }

    /// <summary>Reads the rest of the frame that <paramref name="peek"/> announced into a pooled buffer, and handles it.</summary>
    private async ValueTask<FrameOutcome> ReadFrameAsync(ValueWebSocketReceiveResult peek)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(options.MaxInboundFrameBytes);
        try
        {
            var length = 0;
            var result = peek;
            while (!result.EndOfMessage)
            {
                if (length == options.MaxInboundFrameBytes)
                {
                    connection.RequestClose(CloseCodes.MessageTooBig, $"frames are limited to {options.MaxInboundFrameBytes} bytes");
                    return FrameOutcome.ConnectionClosing;
                }

                result = await socket.ReceiveAsync(buffer.AsMemory(length, options.MaxInboundFrameBytes - length), CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return FrameOutcome.ClientClosed;
                }

                length += result.Count;
            }

            return OnFrame(buffer.AsSpan(0, length), result.MessageType) ? FrameOutcome.Read : FrameOutcome.ConnectionClosing;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Reads and discards what the client still sends (the rest of an oversized frame, frames already in flight)
    /// until its answer to our close frame arrives. Dropping the TCP connection with unread bytes in it makes the
    /// kernel send a reset, and a client that gets it before reading the close frame sees 1006 instead of our code.
    /// Bounded in bytes (<see cref="EdgeOptions.CloseDrainBytes"/>) here, and in time by the close timeout (also enforced by the sweep).
    /// </summary>
    private async Task DrainUntilClosedAsync()
    {
        var scratch = ArrayPool<byte>.Shared.Rent(DrainChunkBytes);
        // Bounded in time here too, so a client that never answers cannot hold the receive loop past the close timeout.
        using var deadline = new CancellationTokenSource(options.CloseTimeoutMs);
        try
        {
            long drained = 0;
            while (socket.State is WebSocketState.Open or WebSocketState.CloseSent)
            {
                var result = await socket.ReceiveAsync(scratch.AsMemory(0, DrainChunkBytes), deadline.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                drained += result.Count;
                if (drained > options.CloseDrainBytes)
                {
                    connection.AbortTransport();
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            connection.AbortTransport();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

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
            connection.SendError(ErrorCode.RateLimited, $"more than {options.MaxFramesPerSecond} frames per second");
            connection.RequestClose(CloseCodes.TooManyFrames, "too many frames per second");
            return false;
        }

        if (type == WebSocketMessageType.Text)
        {
            var status = JsonFrames.TryParseClient(data, out var json);
            if (status == DecodeStatus.Ok && json.Type == FrameType.Ack)
            {
                return OnAck(json.Seq);
            }

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
            FrameType.Ack => OnAck(frame.Seq),
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
            connection.SendError(ErrorCode.UnsupportedFrame, $"clients send danmaku and heartbeat frames only; {JsonFrames.TypeName(type)} is not accepted");
            return true;
        }

        var identity = connection.Identity;
        if (identity.IsGuest)
        {
            connection.SendError(ErrorCode.NotAllowed, "guests cannot send; sign in first");
            return true;
        }

        var up = new RelayUp
        {
            Message = new ClientMessage
            {
                ConnectionId = connection.Id,
                RoomId = connection.RoomId,
                UserId = identity.UserId,
                UserName = identity.UserName,
                Kind = MessageKind.Danmaku,
                Content = content ?? string.Empty,
                Color = color ?? string.Empty,
                UserLevel = identity.Level,
                ClientIp = identity.ClientIp,
            },
        };
        var activity = MessageTracing.StartReceive(traceContext, up.Message);
        string? refusal = null;
        switch (uplink.TrySendMessage(connection.RoomId, up))
        {
            case RelaySendResult.Disconnected:
                refusal = "message service unavailable; retry shortly";
                connection.SendError(ErrorCode.Unavailable, refusal);
                break;
            case RelaySendResult.Full:
                refusal = "edge is overloaded; retry shortly";
                connection.SendError(ErrorCode.Overloaded, refusal);
                break;
        }

        MessageTracing.End(activity, refusal);
        return true;
    }

    /// <summary>A cumulative ack of user messages (docs/inbox.md); guests get none, so they have nothing to ack.</summary>
    private bool OnAck(long seq)
    {
        if (connection.UserAcks is not { } acks)
        {
            connection.SendError(ErrorCode.NotAllowed, "guests get no user messages; sign in first");
            return true;
        }

        if (seq < 0)
        {
            connection.SendError(ErrorCode.InvalidContent, "an ack's seq is the highest user seq received; it cannot be negative");
            return true;
        }

        acks.OnAck(seq);
        return true;
    }

    private bool Invalid(DecodeStatus status)
    {
        metrics.InvalidFrame(status.ToString());
        if (++invalidFrames > options.MaxInvalidFrames)
        {
            connection.SendError(ErrorCode.MalformedFrame, DecodeStatusText.Describe(status));
            connection.RequestClose(CloseCodes.TooManyInvalidFrames, "too many malformed frames");
            return false;
        }

        connection.SendError(ErrorCode.MalformedFrame, DecodeStatusText.Describe(status));
        return true;
    }
}
