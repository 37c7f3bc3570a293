using System.Collections.Concurrent;
using System.Globalization;
using Live.Protocol;
using Live.Realtime.Tests;

namespace Live.Chaos.Tests;

/// <summary>
/// A signed-in client that sends danmaku at a steady pace over a real WebSocket and keeps every answer it gets:
/// error frames (with when they arrived) and closes. When its Edge closes it (1001) it connects again and
/// goes on, as the SDK would. Its own messages come back to it as a viewer's would; it does not follow them.
/// </summary>
public sealed class ChaosSender : IAsyncDisposable
{
    private readonly Func<Task<RoomClient>> connect;
    private readonly TimeSpan interval;
    private readonly CancellationTokenSource stop = new();
    private readonly ConcurrentQueue<ClientEvent> answers = new();
    private Task? running;
    private int sent;

    public ChaosSender(string name, Func<Task<RoomClient>> connect, TimeSpan interval)
    {
        Name = name;
        this.connect = connect;
        this.interval = interval;
    }

    public string Name { get; }

    /// <summary>What the content of the next message starts with; the test moves it from phase to phase.</summary>
    public string Phase { get; set; } = "before";

    public int Sent => Volatile.Read(ref sent);

    /// <summary>Error frames and closes, in arrival order.</summary>
    public IReadOnlyCollection<ClientEvent> Answers => answers;

    public void Start() => running = Task.Run(() => RunAsync(stop.Token));

    public async Task StopAsync()
    {
        await stop.CancelAsync();
        if (running is not null)
        {
            await running;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        stop.Dispose();
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            RoomClient client;
            try
            {
                client = await connect();
            }
            catch (Exception ex) when (ex is System.Net.WebSockets.WebSocketException or HttpRequestException)
            {
                await DelayAsync(TimeSpan.FromMilliseconds(100), stopping);
                continue;
            }

            await using (client)
            {
                var reading = ReadAnswersAsync(client, stopping);
                while (!stopping.IsCancellationRequested && !reading.IsCompleted)
                {
                    var n = Interlocked.Increment(ref sent);
                    try
                    {
                        await client.SendDanmakuAsync(string.Create(CultureInfo.InvariantCulture, $"{Phase} {Name} {n}"));
                    }
                    catch (Exception ex) when (ex is System.Net.WebSockets.WebSocketException or ObjectDisposedException)
                    {
                        break;
                    }

                    await DelayAsync(interval, stopping);
                }
            }
        }
    }

    private async Task ReadAnswersAsync(RoomClient client, CancellationToken stopping)
    {
        while (true)
        {
            ClientEvent next;
            try
            {
                next = await client.WaitForAsync(e => e.Type == FrameType.Error || e.IsClose, TimeSpan.FromMinutes(5));
            }
            catch (InvalidOperationException)
            {
                return; // the connection ended
            }

            if (next.IsClose && stopping.IsCancellationRequested)
            {
                return; // the sender's own abort as it stops, not the server's answer
            }

            answers.Enqueue(next);
            if (next.IsClose)
            {
                return;
            }
        }
    }

    private static async Task DelayAsync(TimeSpan delay, CancellationToken stopping)
    {
        try
        {
            await Task.Delay(delay, stopping);
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }
}
