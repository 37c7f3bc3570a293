using System.Diagnostics;
using System.Net.WebSockets;
using System.Threading.Channels;
using Live.Edge.Telemetry;
using Live.Protocol;

namespace Live.Edge.Connections;

/// <summary>
/// What goes out to one client, and the only way to its socket. The outbox is bounded in bytes: over the cap,
/// ordinary danmaku batches are dropped and priority frames (gifts, system, control) are kept, reduced to
/// their priority messages, up to twice the cap; beyond that the connection is closed as a slow consumer (4008),
/// as it is when it stays over the cap for the grace time (<see cref="OverCapSince"/>, checked by the sweep).
/// One writer at a time: the send loop, or a caller of <see cref="Enqueue"/> that found the outbox empty and
/// wrote inline, ordered by <see cref="writeLock"/>. The queue and its send loop are made when first needed (the
/// first frame that cannot be written inline, or the close): most connections are idle and never queue a frame,
/// and both would otherwise cost every one of them about 1 KiB.
/// </summary>
internal sealed class ConnectionOutbox
{
    private readonly WebSocket socket;
    private readonly EdgeConnection connection;
    private readonly ClientFormat format;
    private readonly WebSocketMessageType messageType;
    private readonly long capBytes;
    private readonly int closeTimeoutMs;
    private readonly EdgeMetrics metrics;
    private Channel<OutgoingFrame>? queue;
    private Task? sendLoop;

    /// <summary>
    /// Held by whoever writes to the socket: the send loop, or a caller of Enqueue that found the outbox empty
    /// and the socket idle and wrote the frame on its own thread. That fast path saves waking the send loop
    /// once per frame, which a room fan-out would otherwise do for every connection on every batch.
    /// </summary>
    private readonly SemaphoreSlim writeLock = new(1, 1);
    private int framesQueued;
    private long queuedBytes;
    private long overCapSince;
    private volatile bool abandoned;

    public ConnectionOutbox(WebSocket socket, EdgeConnection connection, ClientFormat format, EdgeOptions options, EdgeMetrics metrics)
    {
        this.socket = socket;
        this.connection = connection;
        this.format = format;
        this.metrics = metrics;
        messageType = format == ClientFormat.Json ? WebSocketMessageType.Text : WebSocketMessageType.Binary;
        capBytes = options.OutboxCapBytes;
        closeTimeoutMs = options.CloseTimeoutMs;
    }

    /// <summary>Bytes queued or being written, in the client's format.</summary>
    public long QueuedBytes => Volatile.Read(ref queuedBytes);

    /// <summary>When (a <see cref="Stopwatch"/> timestamp) the outbox went over its cap; 0 while it is back under half of it.</summary>
    public long OverCapSince => Volatile.Read(ref overCapSince);

    public void Enqueue(OutgoingFrame frame)
    {
        var size = frame.BytesFor(format).Length;
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
                size = frame.BytesFor(format).Length;
            }

            if (queued + size > 2 * capBytes)
            {
                connection.RequestClose(CloseCodes.SlowConsumer, "outgoing queue is over twice its cap");
                return;
            }
        }

        Interlocked.Add(ref queuedBytes, size);
        if (Volatile.Read(ref framesQueued) == 0 && writeLock.Wait(0))
        {
            // Checked again under the lock: a frame queued meanwhile goes first, so this one queues behind it.
            if (Volatile.Read(ref framesQueued) == 0 && !abandoned)
            {
                SendInline(frame);
                return;
            }

            writeLock.Release();
        }

        Interlocked.Increment(ref framesQueued);
        if (!Queue.Writer.TryWrite(frame))
        {
            Interlocked.Decrement(ref framesQueued);
        }
    }

    /// <summary>Takes no more frames; <paramref name="abandon"/>: what is queued is not sent either, only the close frame.</summary>
    public void Complete(bool abandon)
    {
        abandoned = abandon;
        Queue.Writer.TryComplete();
    }

    /// <summary>The send loop (started here if no frame has queued yet): done when the close frame is out.</summary>
    public Task SendLoopAsync()
    {
        _ = Queue;
        return sendLoop!;
    }

    private Channel<OutgoingFrame> Queue => Volatile.Read(ref queue) ?? StartQueue();

    /// <summary>Makes the queue and starts its send loop, once; the lock is only taken until they exist.</summary>
    private Channel<OutgoingFrame> StartQueue()
    {
        lock (this)
        {
            if (queue is null)
            {
                var created = Channel.CreateUnbounded<OutgoingFrame>(new UnboundedChannelOptions { SingleReader = true });
                sendLoop = RunSendLoopAsync(created.Reader);
                Volatile.Write(ref queue, created);
            }

            return queue;
        }
    }

    /// <summary>Writes what is queued until <see cref="Complete"/>, then the close frame.</summary>
    private async Task RunSendLoopAsync(ChannelReader<OutgoingFrame> reader)
    {
        // Off the thread that started it: that may be the fan-out's, or the shutdown's closing every connection.
        await Task.Yield();
        try
        {
            while (!abandoned && await reader.WaitToReadAsync())
            {
                await writeLock.WaitAsync();
                try
                {
                    while (!abandoned && reader.TryRead(out var frame))
                    {
                        Interlocked.Decrement(ref framesQueued);
                        var bytes = frame.BytesFor(format);
                        await socket.SendAsync(bytes, messageType, endOfMessage: true, CancellationToken.None);
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
                using var timeout = new CancellationTokenSource(closeTimeoutMs);
                await socket.CloseOutputAsync((WebSocketCloseStatus)connection.CloseStatusToSend, connection.CloseReason, timeout.Token);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The socket was aborted or the client vanished; nothing more can be sent.
            connection.RequestClose(EdgeConnection.ConnectionLost, "connection lost");
        }
    }

    /// <summary>Writes a frame on the caller's thread; called holding <see cref="writeLock"/>, which it releases.</summary>
    private void SendInline(OutgoingFrame frame)
    {
        var bytes = frame.BytesFor(format);
        ValueTask send;
        try
        {
            send = socket.SendAsync(bytes, messageType, endOfMessage: true, CancellationToken.None);
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException)
        {
            writeLock.Release();
            connection.RequestClose(EdgeConnection.ConnectionLost, "connection lost");
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
            connection.RequestClose(EdgeConnection.ConnectionLost, "connection lost");
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
}
