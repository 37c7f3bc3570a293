using System.Buffers;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Live.Protocol;

namespace Live.Realtime.Tests;

/// <summary>What a test client saw: a message (batches are flattened), a control frame, or the close.</summary>
public sealed record ClientEvent(FrameType Type, long Seq, long UserId, string UserName, string Content, string Color, bool InBatch)
{
    public bool IsClose => CloseStatus is not null;
    public int? CloseStatus { get; init; }
    public long ReceivedAtMs { get; init; }
    public long TimestampMs { get; init; }

    /// <summary>Error frames: the reason code (e.g. "slow_mode") and when a retry can succeed (0: no retry time).</summary>
    public string Reason { get; init; } = "";

    public long RetryAfterMs { get; init; }

    /// <summary>Resume and not-recovered frames: the epoch their seq belongs to (their user id slot; "epoch" in JSON).</summary>
    public long Epoch => Type is FrameType.Resume or FrameType.NotRecovered ? UserId : 0;
}

/// <summary>A viewer on a real ClientWebSocket that decodes everything it gets with the Protocol library.</summary>
public sealed class RoomClient : IAsyncDisposable
{
    private readonly ClientWebSocket socket;
    private readonly HttpMessageInvoker invoker;
    private readonly Channel<ClientEvent> events = Channel.CreateUnbounded<ClientEvent>();
    private readonly bool json;
    private Task? receiving;

    private RoomClient(ClientWebSocket socket, HttpMessageInvoker invoker, bool json)
    {
        this.socket = socket;
        this.invoker = invoker;
        this.json = json;
    }

    public WebSocket Socket => socket;

    /// <param name="smallReceiveBuffer">A tiny kernel receive buffer, so a client that does not read backs up quickly.</param>
    /// <param name="forwardedFor">The client address the Proxy would put in X-Forwarded-For.</param>
    public static async Task<RoomClient> ConnectAsync(Uri uri, long? userId = null, string? userName = null, bool read = true, bool smallReceiveBuffer = false,
        int level = 1, string? forwardedFor = null)
    {
        var socket = new ClientWebSocket();
        if (userId is { } id)
        {
            foreach (var (name, value) in RealtimeFixture.SignedIdentity("/ws", id, userName ?? "user" + id, level: level))
            {
                socket.Options.SetRequestHeader(name, value);
            }

            if (forwardedFor is not null)
            {
                socket.Options.SetRequestHeader("X-Forwarded-For", forwardedFor);
            }
        }

        var handler = new SocketsHttpHandler();
        if (smallReceiveBuffer)
        {
            handler.ConnectCallback = async (context, cancellationToken) =>
            {
                var tcp = new Socket(SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096, NoDelay = true };
                await tcp.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(tcp, ownsSocket: true);
            };
        }

        var invoker = new HttpMessageInvoker(handler);
        await socket.ConnectAsync(uri, invoker, CancellationToken.None);
        var client = new RoomClient(socket, invoker, uri.Query.Contains("format=json", StringComparison.Ordinal));
        if (read)
        {
            client.StartReading();
        }

        return client;
    }

    public void StartReading() => receiving ??= Task.Run(ReceiveLoopAsync);

    public Task SendDanmakuAsync(string content, string color = "#ffffff") =>
        SendBinaryAsync(FrameWriter.EncodeMessage(FrameType.Danmaku, 0, 0, 0, 0, null, content, color));

    public Task SendBinaryAsync(byte[] frame) =>
        socket.SendAsync(frame, WebSocketMessageType.Binary, endOfMessage: true, CancellationToken.None);

    public Task SendTextAsync(string text) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);

    /// <summary>The next event matching <paramref name="match"/>; events before it are skipped.</summary>
    public async Task<ClientEvent> WaitForAsync(Func<ClientEvent, bool> match, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (true)
            {
                var next = await events.Reader.ReadAsync(cts.Token);
                if (match(next))
                {
                    return next;
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"No matching event within {timeout}.");
        }
        catch (ChannelClosedException)
        {
            throw new InvalidOperationException("The connection ended before a matching event arrived.");
        }
    }

    /// <summary>Collects room messages (danmaku, gift, system) until <paramref name="count"/> arrived or the time is up.</summary>
    public Task<List<ClientEvent>> CollectMessagesAsync(int count, TimeSpan timeout) =>
        CollectAsync(e => e.Type is FrameType.Danmaku or FrameType.Gift or FrameType.System, count, timeout);

    /// <summary>The next <paramref name="count"/> events that match, in arrival order; fewer when the timeout ends first.</summary>
    public async Task<List<ClientEvent>> CollectAsync(Func<ClientEvent, bool> match, int count, TimeSpan timeout)
    {
        var collected = new List<ClientEvent>();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (collected.Count < count)
            {
                var next = await events.Reader.ReadAsync(cts.Token);
                if (match(next))
                {
                    collected.Add(next);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ChannelClosedException)
        {
            // The caller asserts on what arrived.
        }

        return collected;
    }

    /// <summary>Everything that arrives within <paramref name="window"/>.</summary>
    public async Task<List<ClientEvent>> DrainAsync(TimeSpan window)
    {
        var drained = new List<ClientEvent>();
        using var cts = new CancellationTokenSource(window);
        try
        {
            while (true)
            {
                drained.Add(await events.Reader.ReadAsync(cts.Token));
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ChannelClosedException)
        {
            return drained;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (socket.State == WebSocketState.Open)
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            try
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", cts.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
                // Already going away.
            }
        }

        socket.Abort();
        if (receiving is not null)
        {
            await receiving;
        }

        socket.Dispose();
        invoker.Dispose();
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new ArrayBufferWriter<byte>();
        try
        {
            while (true)
            {
                buffer.Clear();
                ValueWebSocketReceiveResult result;
                do
                {
                    result = await socket.ReceiveAsync(buffer.GetMemory(64 * 1024), CancellationToken.None);
                    buffer.Advance(result.Count);
                }
                while (!result.EndOfMessage);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    events.Writer.TryWrite(new ClientEvent(0, 0, 0, "", socket.CloseStatusDescription ?? "", "", false)
                    {
                        CloseStatus = (int?)socket.CloseStatus ?? 1005,
                        ReceivedAtMs = NowMs(),
                    });
                    return;
                }

                if (buffer.WrittenCount == 0 && socket.State != WebSocketState.Open)
                {
                    // An abort can end a pending receive with an empty result instead of an exception.
                    events.Writer.TryWrite(new ClientEvent(0, 0, 0, "", "aborted", "", false) { CloseStatus = 1006, ReceivedAtMs = NowMs() });
                    return;
                }

                if (json)
                {
                    PublishJson(buffer.WrittenSpan);
                }
                else
                {
                    PublishBinary(buffer.WrittenSpan);
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or OperationCanceledException)
        {
            events.Writer.TryWrite(new ClientEvent(0, 0, 0, "", "aborted: " + ex.Message, "", false) { CloseStatus = 1006, ReceivedAtMs = NowMs() });
        }
        finally
        {
            events.Writer.TryComplete();
        }
    }

    private void PublishBinary(ReadOnlySpan<byte> data)
    {
        var now = NowMs();
        if (FrameReader.TryReadHeader(data, out var type, out _) != DecodeStatus.Ok)
        {
            throw new InvalidOperationException($"The server sent a frame that does not parse: {Convert.ToHexString(data[..Math.Min(data.Length, 48)])} ({data.Length} bytes, json client: {json}).");
        }

        if (type != FrameType.Batch)
        {
            Assert.Equal(DecodeStatus.Ok, FrameReader.TryReadSingleMessage(data, out var single));
            events.Writer.TryWrite(ToEvent(single, inBatch: false, now));
            return;
        }

        Assert.Equal(DecodeStatus.Ok, FrameReader.TryReadBatch(data, out var batch));
        var payload = new ArrayBufferWriter<byte>();
        Assert.Equal(DecodeStatus.Ok, FrameReader.TryGetPayload(batch, payload));
        var reader = new BatchMessageReader(payload.WrittenSpan);
        var count = 0;
        while (reader.TryRead(out var message))
        {
            events.Writer.TryWrite(ToEvent(message, inBatch: true, now));
            count++;
        }

        Assert.Equal(DecodeStatus.Ok, reader.Status);
        Assert.Equal(batch.Count, count);
        BatchesCompressed += batch.IsCompressed ? 1 : 0;
    }

    /// <summary>How many batch frames arrived zstd-compressed.</summary>
    public int BatchesCompressed { get; private set; }

    private void PublishJson(ReadOnlySpan<byte> data)
    {
        var now = NowMs();
        using var document = JsonDocument.Parse(data.ToArray());
        var root = document.RootElement;
        if (root.GetProperty("type").GetString() == "batch")
        {
            foreach (var message in root.GetProperty("messages").EnumerateArray())
            {
                events.Writer.TryWrite(FromJson(message, true, now));
            }

            return;
        }

        events.Writer.TryWrite(FromJson(root, false, now));
    }

    private static ClientEvent FromJson(JsonElement element, bool inBatch, long now)
    {
        var typeName = element.GetProperty("type").GetString();
        var type = Enum.GetValues<FrameType>().First(t => JsonFrames.TypeName(t) == typeName);
        long value = element.TryGetProperty("seq", out var seq) ? seq.GetInt64()
            : element.TryGetProperty("code", out var code) ? code.GetInt64()
            : element.TryGetProperty("viewers", out var viewers) ? viewers.GetInt64()
            : element.TryGetProperty("expiresAt", out var expiresAt) ? expiresAt.GetInt64() : 0;
        return new ClientEvent(type, value,
            element.TryGetProperty("userId", out var user) ? user.GetInt64() : element.TryGetProperty("epoch", out var epoch) ? epoch.GetInt64() : 0,
            element.TryGetProperty("userName", out var name) ? name.GetString()! : "",
            element.TryGetProperty("content", out var content) ? content.GetString()! : element.TryGetProperty("pass", out var pass) ? pass.GetString()! : "",
            element.TryGetProperty("color", out var color) ? color.GetString()! : "",
            inBatch)
        {
            ReceivedAtMs = now,
            TimestampMs = element.GetProperty("ts").GetInt64(),
            Reason = element.TryGetProperty("reason", out var reason) ? reason.GetString()! : "",
            RetryAfterMs = element.TryGetProperty("retryAfterMs", out var retry) ? retry.GetInt64() : 0,
        };
    }

    private static ClientEvent ToEvent(in MessageFrame frame, bool inBatch, long now) =>
        new(frame.Type, frame.Seq, frame.UserId, Encoding.UTF8.GetString(frame.UserName), Encoding.UTF8.GetString(frame.Content),
            Encoding.UTF8.GetString(frame.Color), inBatch)
        {
            ReceivedAtMs = now,
            TimestampMs = frame.TimestampMs,
            Reason = frame.Type == FrameType.Error ? Encoding.UTF8.GetString(frame.UserName) : "",
            RetryAfterMs = frame.Type == FrameType.Error ? frame.UserId : 0,
        };

    private static long NowMs() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
}
