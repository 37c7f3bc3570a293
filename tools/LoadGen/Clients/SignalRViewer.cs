using System.Net.WebSockets;
using Live.Tools.LoadGen.Measurement;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

namespace Live.Tools.LoadGen.Clients;

/// <summary>What the SignalR baseline broadcasts for each danmaku (its JSON is camelCase, as SignalR writes it).</summary>
public sealed record SignalRDanmaku(long Ts, string User, string Content, string Color);

/// <summary>
/// A viewer of the SignalR baseline through Microsoft.AspNetCore.SignalR.Client, as a typical app's client:
/// one handler invocation (and one deserialized object) per message. SignalR does not drop: a reader that
/// falls behind holds up the broadcast, so a shortfall shows as deliveries below the offered load, not as losses.
/// </summary>
public sealed class SignalRViewer : IViewer
{
    private readonly HubConnection connection;
    private readonly LatencyRecorder recorder;
    private readonly LoadCounters counters;
    private readonly int contentBytes;
    private readonly TaskCompletionSource live = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? pendingSend;
    private volatile bool stopping;

    private SignalRViewer(HubConnection connection, int roomIndex, LatencyRecorder recorder, LoadCounters counters, int contentBytes)
    {
        this.connection = connection;
        this.recorder = recorder;
        this.counters = counters;
        this.contentBytes = contentBytes;
        RoomIndex = roomIndex;
    }

    public int RoomIndex { get; }
    public Task Live => live.Task;

    public static async Task<SignalRViewer> ConnectAsync(Uri hub, string room, string user, int roomIndex, LatencyRecorder recorder,
        LoadCounters counters, int contentBytes, CancellationToken cancellationToken)
    {
        var url = new Uri($"{hub}?room={Uri.EscapeDataString(room)}&user={Uri.EscapeDataString(user)}");
        var connection = new HubConnectionBuilder()
            .WithUrl(url, HttpTransportType.WebSockets, options => options.SkipNegotiation = true)
            .Build();
        var viewer = new SignalRViewer(connection, roomIndex, recorder, counters, contentBytes);
        connection.On("joined", viewer.OnJoined);
        connection.On<SignalRDanmaku>("danmaku", viewer.OnDanmaku);
        connection.Closed += viewer.OnClosed;
        try
        {
            await connection.StartAsync(cancellationToken);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }

        return viewer;
    }

    public bool TrySend(long sendMicros, long number)
    {
        if (pendingSend is { IsCompleted: false })
        {
            return false;
        }

        var content = LoadContent.Create(sendMicros, number, contentBytes);
        counters.MessageSent();
        pendingSend = ObserveAsync(connection.SendAsync("SendDanmaku", content, "#ffffff"));
        return true;
    }

    /// <summary>The baseline keeps connections with SignalR's own keep-alive; nothing to do.</summary>
    public void SendHeartbeat()
    {
    }

    public async ValueTask DisposeAsync()
    {
        stopping = true;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await connection.StopAsync(timeout.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or InvalidOperationException)
        {
            // Disposing below aborts what is left.
        }

        await connection.DisposeAsync();
    }

    private async Task ObserveAsync(Task send)
    {
        try
        {
            await send;
        }
        catch (Exception ex) when (ex is WebSocketException or InvalidOperationException or OperationCanceledException or IOException)
        {
            counters.SendFailed();
        }
    }

    private void OnJoined() => live.TrySetResult();

    private void OnDanmaku(SignalRDanmaku message)
    {
        var receivedMicros = Clock.NowMicros();
        var shard = recorder.Current;
        lock (shard.Gate)
        {
            var tally = shard.Tally;
            tally.Frames++;
            tally.RecordMessage(receivedMicros, message.Ts, message.Content);
        }
    }

    private Task OnClosed(Exception? error)
    {
        if (!stopping)
        {
            counters.Closed(error is null ? "1000" : "1006");
        }

        live.TrySetException(new InvalidOperationException("The connection closed before it was live.", error));
        return Task.CompletedTask;
    }
}
