using System.Buffers;
using System.Net.WebSockets;
using System.Text.Json;
using Live.Protocol;

namespace Live.Perf.WireBytes;

public enum WireForm
{
    Binary,
    Zstd,
    Json,
}

/// <summary>
/// A guest viewer that counts what arrives: every WebSocket message's payload plus the header the server put in
/// front of it (2 bytes, 4 from 126 bytes, 10 from 64 KiB; server frames are not masked), and the room messages
/// its batches delivered.
/// </summary>
public sealed class WireViewer(string name, WireForm form) : IAsyncDisposable
{
    private readonly ClientWebSocket socket = new();
    private readonly CancellationTokenSource stopping = new();
    private readonly TaskCompletionSource subscribed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? receiving;
    private long lastSeq;

    public string Name { get; } = name;
    public long Frames { get; private set; }
    public long Delivered { get; private set; }
    public long WireBytes { get; private set; }
    public long LastSeq => Interlocked.Read(ref lastSeq);
    public double BytesPerMessage => Delivered == 0 ? 0 : (double)WireBytes / Delivered;

    public async Task ConnectAsync(Uri edge, long roomId)
    {
        var query = form switch
        {
            WireForm.Zstd => "&compress=zstd",
            WireForm.Json => "&format=json",
            _ => "",
        };
        await socket.ConnectAsync(new Uri(edge, $"/ws?room={roomId}{query}"), stopping.Token);
        receiving = ReceiveAsync();
        await subscribed.Task.WaitAsync(TimeSpan.FromSeconds(10));

        // Only the messages published from now on are compared.
        Frames = Delivered = WireBytes = 0;
    }

    public async Task<bool> WaitForSeqAsync(long seq, TimeSpan patience)
    {
        var until = DateTime.UtcNow + patience;
        while (LastSeq < seq && DateTime.UtcNow < until)
        {
            await Task.Delay(50);
        }

        return LastSeq >= seq;
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        socket.Abort();
        if (receiving is not null)
        {
            await receiving;
        }

        socket.Dispose();
        stopping.Dispose();
    }

    private async Task ReceiveAsync()
    {
        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        try
        {
            while (true)
            {
                buffer.ResetWrittenCount();
                ValueWebSocketReceiveResult result;
                do
                {
                    result = await socket.ReceiveAsync(buffer.GetMemory(16 * 1024), stopping.Token);
                    buffer.Advance(result.Count);
                }
                while (!result.EndOfMessage);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                var length = buffer.WrittenCount;
                WireBytes += length + (length < 126 ? 2 : length <= ushort.MaxValue ? 4 : 10);
                if (form == WireForm.Json)
                {
                    OnJson(buffer.WrittenSpan);
                }
                else
                {
                    OnBinary(buffer.WrittenSpan);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
        {
            subscribed.TrySetException(ex);
        }
    }

    private void OnBinary(ReadOnlySpan<byte> frame)
    {
        if (FrameReader.TryReadHeader(frame, out var type, out _) != DecodeStatus.Ok)
        {
            return;
        }

        if (type == FrameType.Batch && FrameReader.TryReadBatch(frame, out var batch) == DecodeStatus.Ok)
        {
            Frames++;
            Delivered += batch.Count;
            Interlocked.Exchange(ref lastSeq, batch.LastSeq);
        }
        else if (type == FrameType.Resume)
        {
            subscribed.TrySetResult();
        }
    }

    private void OnJson(ReadOnlySpan<byte> text)
    {
        using var document = JsonDocument.Parse(text.ToArray());
        var root = document.RootElement;
        switch (root.GetProperty("type").GetString())
        {
            case "batch":
                Frames++;
                Delivered += root.GetProperty("messages").GetArrayLength();
                Interlocked.Exchange(ref lastSeq, root.GetProperty("lastSeq").GetInt64());
                break;
            case "resume":
                subscribed.TrySetResult();
                break;
        }
    }
}
