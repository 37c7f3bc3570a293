using System.Net.WebSockets;
using Live.Protocol;

namespace Live.Perf.RawFanout;

/// <summary>
/// One room: what its connections send is appended to the window's batch; every window the batch is encoded once
/// and the same bytes are written to every connection. A connection whose previous write has not finished misses
/// the window's batch (its next batch then shows the gap to the load generator), as a fixed window allows no more.
/// </summary>
internal sealed class RawRoom
{
    private readonly long roomId;
    private readonly Lock gate = new();
    private readonly List<Connection> connections = [];
    private PooledBufferWriter window = new(64 * 1024);
    private PooledBufferWriter spare = new(64 * 1024);
    private int windowCount;
    private long lastSeq;

    public RawRoom(long roomId, int windowMs)
    {
        this.roomId = roomId;
        _ = FlushLoopAsync(TimeSpan.FromMilliseconds(windowMs));
    }

    public async Task ServeAsync(WebSocket socket, CancellationToken aborted)
    {
        var connection = new Connection(socket);
        lock (gate)
        {
            // Under the lock, so the resume frame's position and the first batch written after it agree.
            connection.TryWrite(FrameWriter.EncodeMessage(FrameType.Resume, Now(), 0, roomId, lastSeq, null, null, null));
            connections.Add(connection);
        }

        try
        {
            await ReceiveAsync(socket, aborted);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            // The client went away.
        }
        finally
        {
            lock (gate)
            {
                connections.Remove(connection);
            }
        }
    }

    private async Task ReceiveAsync(WebSocket socket, CancellationToken aborted)
    {
        var buffer = new byte[4096];
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, aborted);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                return;
            }

            if (!result.EndOfMessage || FrameReader.TryReadSingleMessage(buffer.AsSpan(0, result.Count), out var message) != DecodeStatus.Ok
                || message.Type != FrameType.Danmaku)
            {
                continue;
            }

            lock (gate)
            {
                FrameWriter.WriteMessage(window, FrameType.Danmaku, Now(), message.UserId, roomId, ++lastSeq, message.UserName, message.Content, message.Color);
                windowCount++;
            }
        }
    }

    private async Task FlushLoopAsync(TimeSpan interval)
    {
        using var timer = new PeriodicTimer(interval);
        while (await timer.WaitForNextTickAsync())
        {
            byte[] batch;
            Connection[] targets;
            lock (gate)
            {
                if (windowCount == 0)
                {
                    continue;
                }

                batch = BatchEncoder.EncodePlain(roomId, Now(), lastSeq - windowCount + 1, lastSeq, windowCount, 0, window.WrittenSpan);
                (window, spare) = (spare, window);
                window.Reset();
                windowCount = 0;
                targets = [.. connections];
            }

            foreach (var connection in targets)
            {
                connection.TryWrite(batch);
            }
        }
    }

    private static long Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private sealed class Connection(WebSocket socket)
    {
        private Task pending = Task.CompletedTask;

        /// <summary>Starts the write unless the previous one is still going.</summary>
        public void TryWrite(byte[] frame)
        {
            if (!pending.IsCompleted)
            {
                return;
            }

            var send = socket.SendAsync(frame.AsMemory(), WebSocketMessageType.Binary, endOfMessage: true, CancellationToken.None);
            pending = send.IsCompletedSuccessfully ? Task.CompletedTask : send.AsTask();
        }
    }
}
