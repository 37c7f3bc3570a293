using System.Diagnostics;
using System.Net.WebSockets;
using Live.Protocol;

namespace Live.Operations.Tests;

/// <summary>
/// A client as the SDK is to behave: it opens the room's WebSocket through the Proxy with a W3C traceparent on
/// the upgrade, and sends a danmaku frame that carries the trace context of its send (flag <c>traced</c>).
/// </summary>
public sealed class TracedClient : IAsyncDisposable
{
    private readonly ClientWebSocket socket = new();

    private TracedClient(ActivityContext connect) => Connect = connect;

    /// <summary>The client's span of the connect: the Proxy's span is its child.</summary>
    public ActivityContext Connect { get; }

    public ActivityTraceId TraceId => Connect.TraceId;

    public static async Task<TracedClient> ConnectAsync(PlatformEnvironment env, string accessToken, long roomId)
    {
        var client = new TracedClient(new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded));
        client.socket.Options.SetRequestHeader("Origin", PlatformEnvironment.AllowedOrigin);
        client.socket.Options.SetRequestHeader("traceparent", TraceParent(client.Connect));
        var uri = new UriBuilder(env.Proxy.PublicAddress) { Scheme = "wss", Path = "/ws", Query = $"room={roomId}&access_token={accessToken}" }.Uri;
        // The header above is the client's context: the test process's own HttpClient tracing must not replace it.
        var handler = env.Proxy.CreateHandler();
        handler.ActivityHeadersPropagator = null;
        using var invoker = new HttpMessageInvoker(handler);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await client.socket.ConnectAsync(uri, invoker, timeout.Token);
        return client;
    }

    /// <summary>Sends one danmaku as a child span of the connect; returns the context the frame carried.</summary>
    public async Task<ActivityContext> SendAsync(long roomId, string content)
    {
        var send = new ActivityContext(TraceId, ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);
        var frame = FrameWriter.EncodeTracedMessage(FrameType.Danmaku, 0, roomId, content, null, send);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await socket.SendAsync(frame, WebSocketMessageType.Binary, endOfMessage: true, timeout.Token);
        return send;
    }

    /// <summary>Sends bytes that are not a frame (the Edge counts a malformed frame and answers with an error frame).</summary>
    public async Task SendGarbageAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await socket.SendAsync(new byte[] { 1, 2, 3, 4 }, WebSocketMessageType.Binary, endOfMessage: true, timeout.Token);
    }

    /// <summary>Reads frames until one is a batch that holds <paramref name="content"/>.</summary>
    public async Task ReceiveBatchWithAsync(string content)
    {
        var buffer = new byte[1 << 16];
        var wanted = System.Text.Encoding.UTF8.GetBytes(content);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (true)
        {
            var length = 0;
            ValueWebSocketReceiveResult result;
            do
            {
                result = await socket.ReceiveAsync(buffer.AsMemory(length), timeout.Token);
                length += result.Count;
            }
            while (!result.EndOfMessage);

            if (result.MessageType == WebSocketMessageType.Close)
            {
                throw new InvalidOperationException("the Edge closed the connection");
            }

            if (FrameReader.TryReadHeader(buffer.AsSpan(0, length), out var type, out _) == DecodeStatus.Ok
                && type == FrameType.Batch && buffer.AsSpan(0, length).IndexOf(wanted) >= 0)
            {
                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (socket.State == WebSocketState.Open)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
                // The server went first; the socket is closed either way.
            }
        }

        socket.Dispose();
    }

    public static string TraceParent(in ActivityContext context) =>
        $"00-{context.TraceId.ToHexString()}-{context.SpanId.ToHexString()}-{((context.TraceFlags & ActivityTraceFlags.Recorded) != 0 ? "01" : "00")}";
}
