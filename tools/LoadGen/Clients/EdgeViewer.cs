using System.Buffers;
using System.Globalization;
using System.Net.WebSockets;
using Live.Protocol;
using Live.Tools.LoadGen.Measurement;
using ZstdSharp;

namespace Live.Tools.LoadGen.Clients;

/// <summary>
/// A viewer on the Edge's binary protocol. Its receive loop reuses one pooled buffer, parses each batch with
/// the Protocol reader (spans over that buffer, nothing allocated per message) and records every message
/// under its thread's shard lock, taken once per frame. With a <see cref="ReconnectLog"/> it behaves as the SDK
/// does when its connection is lost: it connects again after a jittered backoff (<see cref="ReconnectBackoff"/>),
/// resuming with last_seq and epoch, and logs when it was live again.
/// </summary>
public sealed partial class EdgeViewer : IViewer
{
    private const int InitialBufferBytes = 16 * 1024;

    private static readonly byte[] Heartbeat = FrameWriter.EncodeControl(FrameType.Heartbeat, 0, 0, 0);

    /// <summary>A zstd context per receiving thread: creating one per batch would cost more than inflating it.</summary>
    [ThreadStatic]
    private static Decompressor? decompressor;

    [ThreadStatic]
    private static PooledBufferWriter? inflated;

    private readonly Uri uri;
    private readonly HttpMessageInvoker invoker;
    private readonly Func<IEnumerable<(string Name, string Value)>?> identity;
    private readonly ReconnectLog? reconnects;
    private readonly LatencyRecorder recorder;
    private readonly LoadCounters counters;
    private readonly int contentBytes;
    private readonly TaskCompletionSource live = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource stopping = new();
    private PooledBufferWriter? outgoing;
    private Task? pendingSend;
    private Task? receiving;
    private ClientWebSocket socket;
    private long lastSeq = -1;
    private long epoch;
    private volatile bool closing;

    /// <summary>While a reconnected socket waits for its resume frame: when the connection was lost, and the tries.</summary>
    private (long LostAtUnixMs, int Attempts)? returning;

    private EdgeViewer(ClientWebSocket socket, Uri uri, HttpMessageInvoker invoker, Func<IEnumerable<(string Name, string Value)>?> identity,
        ReconnectLog? reconnects, int roomIndex, LatencyRecorder recorder, LoadCounters counters, int contentBytes)
    {
        this.socket = socket;
        this.uri = uri;
        this.invoker = invoker;
        this.identity = identity;
        this.reconnects = reconnects;
        this.recorder = recorder;
        this.counters = counters;
        this.contentBytes = contentBytes;
        RoomIndex = roomIndex;
    }

    public int RoomIndex { get; }
    public Task Live => live.Task;

    /// <param name="identity">Makes the identity headers of each connection (signed ones carry a time); null for a guest.</param>
    /// <param name="reconnects">
    /// Where lost connections and returns are logged; null: a lost connection stays lost, and a first connect that fails
    /// is not tried again.
    /// </param>
    public static async Task<EdgeViewer> ConnectAsync(Uri uri, HttpMessageInvoker invoker, Func<IEnumerable<(string Name, string Value)>?> identity,
        ReconnectLog? reconnects, int roomIndex, LatencyRecorder recorder, LoadCounters counters, int contentBytes, CancellationToken cancellationToken)
    {
        var socket = reconnects is null
            ? await OpenAsync(uri, invoker, identity(), cancellationToken)
            : await OpenRetryingAsync(uri, invoker, identity, reconnects, cancellationToken);
        var viewer = new EdgeViewer(socket, uri, invoker, identity, reconnects, roomIndex, recorder, counters, contentBytes);
        viewer.receiving = viewer.RunAsync();
        return viewer;
    }

    public bool TrySend(long sendMicros, long number)
    {
        if (pendingSend is { IsCompleted: false })
        {
            return false;
        }

        outgoing ??= new PooledBufferWriter(256);
        outgoing.Reset();
        Span<byte> content = stackalloc byte[Math.Max(contentBytes, 48)];
        var length = LoadContent.Write(content, sendMicros, number, contentBytes);
        FrameWriter.WriteMessage(outgoing, FrameType.Danmaku, 0, 0, 0, 0, ReadOnlySpan<byte>.Empty, content[..length], "#ffffff"u8);
        Send(outgoing.WrittenMemory, countAsMessage: true);
        return true;
    }

    public void SendHeartbeat()
    {
        if (pendingSend is not { IsCompleted: false })
        {
            Send(Heartbeat, countAsMessage: false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        // A proper close handshake, so the server records a normal close rather than a lost connection.
        closing = true;
        if (socket.State == WebSocketState.Open)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            try
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "load run over", timeout.Token);
                if (receiving is not null)
                {
                    await receiving.WaitAsync(timeout.Token);
                }
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or TimeoutException)
            {
                // The server is gone or slow to answer; abort below.
            }
        }

        await stopping.CancelAsync();
        socket.Abort();
        if (receiving is not null)
        {
            await receiving;
        }

        socket.Dispose();
        outgoing?.Dispose();
        stopping.Dispose();
    }

    private void Send(ReadOnlyMemory<byte> frame, bool countAsMessage)
    {
        ValueTask send;
        try
        {
            send = socket.SendAsync(frame, WebSocketMessageType.Binary, endOfMessage: true, CancellationToken.None);
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or InvalidOperationException)
        {
            counters.SendFailed();
            return;
        }

        if (countAsMessage)
        {
            counters.MessageSent();
        }

        // Only a send that did not finish at once costs a Task; its failure is counted when it ends.
        pendingSend = send.IsCompletedSuccessfully ? null : ObserveAsync(send);
    }

    private async Task ObserveAsync(ValueTask send)
    {
        try
        {
            await send;
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or OperationCanceledException)
        {
            counters.SendFailed();
        }
    }

    /// <summary>Receives until the connection ends, then (with a reconnect log) connects again and goes on.</summary>
    private async Task RunAsync()
    {
        var buffer = ArrayPool<byte>.Shared.Rent(InitialBufferBytes);
        try
        {
            while (true)
            {
                var (code, larger) = await ReceiveUntilEndAsync(buffer);
                buffer = larger;
                Ended(code);
                if (closing || reconnects is null || !await ReconnectAsync(reconnects))
                {
                    return;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <returns>The close code ("1006": lost without a close frame) and the buffer, grown if a frame needed it.</returns>
    private async Task<(string Code, byte[] Buffer)> ReceiveUntilEndAsync(byte[] buffer)
    {
        try
        {
            while (true)
            {
                var filled = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    if (filled == buffer.Length)
                    {
                        var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                        buffer.AsSpan(0, filled).CopyTo(larger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = larger;
                    }

                    result = await socket.ReceiveAsync(buffer.AsMemory(filled), stopping.Token);
                    filled += result.Count;
                }
                while (!result.EndOfMessage);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    var code = ((int?)socket.CloseStatus ?? 1005).ToString(CultureInfo.InvariantCulture);
                    if (socket.State == WebSocketState.CloseReceived)
                    {
                        // Answered as a browser does, so the server ends the connection at once instead of timing out.
                        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                        try
                        {
                            await socket.CloseOutputAsync(socket.CloseStatus ?? WebSocketCloseStatus.Empty, null, timeout.Token);
                        }
                        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
                        {
                            // The server has already gone; the close it sent is what counts.
                        }
                    }

                    return (code, buffer);
                }

                OnFrame(buffer.AsSpan(0, filled));
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            return ("1006", buffer);
        }
    }

    /// <summary>A close the run did not ask for is counted; so is a viewer that never got live.</summary>
    private void Ended(string code)
    {
        if (!closing)
        {
            counters.Closed(code);
        }

        live.TrySetException(new InvalidOperationException($"The connection closed ({code}) before it was live."));
    }

    private void OnFrame(ReadOnlySpan<byte> data)
    {
        var receivedMicros = Clock.NowMicros();
        if (FrameReader.TryReadHeader(data, out var type, out _) != DecodeStatus.Ok)
        {
            counters.MalformedFrame();
            return;
        }

        if (type == FrameType.Batch)
        {
            OnBatch(data, receivedMicros);
            return;
        }

        if (FrameReader.TryReadSingleMessage(data, out var message) != DecodeStatus.Ok)
        {
            counters.MalformedFrame();
            return;
        }

        switch (message.Type)
        {
            case FrameType.Resume:
                // The user id slot is the epoch: in a new one seqs start again (ADR 0007), so the position is reset.
                lastSeq = message.UserId == epoch ? Math.Max(lastSeq, message.Seq) : message.Seq;
                epoch = message.UserId;
                live.TrySetResult();
                if (returning is { } since)
                {
                    reconnects!.Returned(since.LostAtUnixMs, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), since.Attempts);
                    returning = null;
                }

                break;
            case FrameType.Error:
                counters.ErrorFrame(((ErrorCode)message.Seq).ToString());
                break;
            case FrameType.NotRecovered when message.Seq > 0:
                // Seq 0 only announces a room's first epoch: nothing was lost.
                counters.ErrorFrame("NotRecovered");
                break;
            case FrameType.Danmaku or FrameType.Gift or FrameType.System:
                var shard = recorder.Current;
                lock (shard.Gate)
                {
                    shard.Tally.Frames++;
                    shard.Tally.Bytes += data.Length;
                    shard.Tally.RecordMessage(receivedMicros, message.TimestampMs, message.Content);
                }

                break;
        }
    }

    private void OnBatch(ReadOnlySpan<byte> data, long receivedMicros)
    {
        if (FrameReader.TryReadBatch(data, out var batch) != DecodeStatus.Ok)
        {
            counters.MalformedFrame();
            return;
        }

        var payload = batch.Payload;
        if (batch.IsCompressed)
        {
            var output = inflated ??= new PooledBufferWriter(64 * 1024);
            output.Reset();
            if (FrameReader.TryGetPayload(batch, decompressor ??= new Decompressor(), output) != DecodeStatus.Ok)
            {
                counters.MalformedFrame();
                return;
            }

            payload = output.WrittenSpan;
        }

        var shard = recorder.Current;
        lock (shard.Gate)
        {
            var tally = shard.Tally;
            if (lastSeq >= 0 && batch.FirstSeq > lastSeq + 1)
            {
                tally.Lost += batch.FirstSeq - lastSeq - 1;
            }

            lastSeq = Math.Max(lastSeq, batch.LastSeq);
            tally.Frames++;
            tally.Bytes += data.Length;
            tally.SampledOut += batch.SampledOut;
            var reader = new BatchMessageReader(payload);
            while (reader.TryRead(out var message))
            {
                tally.RecordMessage(receivedMicros, message.TimestampMs, message.Content);
            }

            if (reader.Status != DecodeStatus.Ok)
            {
                counters.MalformedFrame();
            }
        }
    }
}
