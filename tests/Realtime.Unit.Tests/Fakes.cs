using System.Diagnostics.Metrics;
using System.Net.WebSockets;
using System.Threading.Channels;
using Grpc.Core;
using Live.Edge.Connections;
using Live.V1;

namespace Live.Realtime.Unit.Tests;

/// <summary>
/// A WebSocket whose client side the test plays: frames the server writes are recorded (or held while the socket
/// is stalled, as a client that stopped reading holds them), frames the client sends are scripted.
/// </summary>
internal sealed class ScriptedSocket : WebSocket
{
    private readonly Lock gate = new();
    private readonly List<byte[]> sent = [];
    private readonly Channel<(byte[] Data, WebSocketMessageType Type)> incoming = Channel.CreateUnbounded<(byte[], WebSocketMessageType)>();
    private TaskCompletionSource? stall;
    private WebSocketState state = WebSocketState.Open;
    private byte[]? receiving;
    private int receivingOffset;
    private WebSocketMessageType receivingType;

    public override WebSocketCloseStatus? CloseStatus => SentCloseStatus;
    public override string? CloseStatusDescription => SentCloseDescription;
    public override WebSocketState State => state;
    public override string? SubProtocol => null;

    public WebSocketCloseStatus? SentCloseStatus { get; private set; }
    public string? SentCloseDescription { get; private set; }
    public bool Aborted { get; private set; }

    /// <summary>The frames written so far, completed writes only, in order.</summary>
    public byte[][] Sent
    {
        get
        {
            lock (gate)
            {
                return [.. sent];
            }
        }
    }

    /// <summary>From now on a write does not complete until <see cref="Resume"/>: the client stopped reading.</summary>
    public void Stall()
    {
        lock (gate)
        {
            stall ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    /// <summary>The client reads again: held writes complete, later ones complete at once.</summary>
    public void Resume()
    {
        TaskCompletionSource? held;
        lock (gate)
        {
            held = stall;
            stall = null;
        }

        held?.SetResult();
    }

    public void ClientSends(byte[] frame, WebSocketMessageType type = WebSocketMessageType.Binary) => incoming.Writer.TryWrite((frame, type));

    public void ClientCloses() => incoming.Writer.TryWrite(([], WebSocketMessageType.Close));

    public async Task<byte[][]> WaitForSentAsync(int count)
    {
        for (var waited = 0; waited < 5_000; waited += 10)
        {
            var now = Sent;
            if (now.Length >= count)
            {
                return now;
            }

            await Task.Delay(10);
        }

        throw new TimeoutException($"{count} frames were expected; {Sent.Length} were written.");
    }

    public override ValueTask SendAsync(ReadOnlyMemory<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken)
    {
        var copy = buffer.ToArray();
        lock (gate)
        {
            if (stall is null)
            {
                sent.Add(copy);
                return ValueTask.CompletedTask;
            }

            return new ValueTask(CompleteWhenResumedAsync(stall.Task, copy));
        }
    }

    public override Task SendAsync(ArraySegment<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken) =>
        SendAsync(buffer.AsMemory(), messageType, endOfMessage, cancellationToken).AsTask();

    public override async ValueTask<ValueWebSocketReceiveResult> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        if (receiving is null)
        {
            var (data, type) = await incoming.Reader.ReadAsync(cancellationToken);
            if (type == WebSocketMessageType.Close)
            {
                state = WebSocketState.CloseReceived;
                return new ValueWebSocketReceiveResult(0, WebSocketMessageType.Close, true);
            }

            receiving = data;
            receivingOffset = 0;
            receivingType = type;
        }

        var count = Math.Min(buffer.Length, receiving.Length - receivingOffset);
        receiving.AsSpan(receivingOffset, count).CopyTo(buffer.Span);
        receivingOffset += count;
        var messageType = receivingType;
        var end = receivingOffset == receiving.Length;
        if (end)
        {
            receiving = null;
        }

        return new ValueWebSocketReceiveResult(count, messageType, end);
    }

    public override async Task<WebSocketReceiveResult> ReceiveAsync(ArraySegment<byte> buffer, CancellationToken cancellationToken)
    {
        var result = await ReceiveAsync(buffer.AsMemory(), cancellationToken);
        return new WebSocketReceiveResult(result.Count, result.MessageType, result.EndOfMessage);
    }

    public override Task CloseOutputAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken)
    {
        SentCloseStatus = closeStatus;
        SentCloseDescription = statusDescription;
        if (state == WebSocketState.Open)
        {
            // The client answers a server's close, as real clients do (the server drains until that answer comes).
            incoming.Writer.TryWrite(([], WebSocketMessageType.Close));
        }

        state = state == WebSocketState.CloseReceived ? WebSocketState.Closed : WebSocketState.CloseSent;
        return Task.CompletedTask;
    }

    public override Task CloseAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken) =>
        CloseOutputAsync(closeStatus, statusDescription, cancellationToken);

    public override void Abort()
    {
        Aborted = true;
        state = WebSocketState.Aborted;
    }

    public override void Dispose()
    {
    }

    private async Task CompleteWhenResumedAsync(Task resumed, byte[] frame)
    {
        await resumed;
        lock (gate)
        {
            sent.Add(frame);
        }
    }
}

/// <summary>The relay as a connection sees it: records what goes up and answers as told.</summary>
internal sealed class RecordingUplink : IMessageUplink
{
    public List<(long RoomId, RelayUp Up)> Sent { get; } = [];

    public RelaySendResult Answer { get; set; } = RelaySendResult.Sent;

    public RelaySendResult TrySendMessage(long roomId, RelayUp up)
    {
        lock (Sent)
        {
            Sent.Add((roomId, up));
        }

        return Answer;
    }
}

/// <summary>What an Edge stream receives from MessageService.</summary>
internal sealed class RecordingStreamWriter : IServerStreamWriter<RelayDown>
{
    public List<RelayDown> Written { get; } = [];

    public WriteOptions? WriteOptions { get; set; }

    public Task WriteAsync(RelayDown message) => WriteAsync(message, CancellationToken.None);

    public Task WriteAsync(RelayDown message, CancellationToken cancellationToken)
    {
        Written.Add(message);
        return Task.CompletedTask;
    }
}

internal sealed class TestMeterFactory : IMeterFactory
{
    private readonly List<Meter> meters = [];

    /// <summary>The meters this factory made, so a listener can keep to them (other tests' meters share the names).</summary>
    public IReadOnlyList<Meter> Meters => meters;

    public Meter Create(MeterOptions options)
    {
        var meter = new Meter(options);
        meters.Add(meter);
        return meter;
    }

    public void Dispose()
    {
        foreach (var meter in meters)
        {
            meter.Dispose();
        }
    }
}
