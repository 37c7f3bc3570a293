using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace Live.Chaos.Tests;

/// <summary>
/// A loopback TCP relay to put between two processes (here: an Edge's relay channel and its MessageService) that
/// can add a delay to every chunk, stall all traffic, and cut every connection, as a bad network would.
/// Each direction of each connection is one reader and one writer with a bounded queue between them.
/// </summary>
public sealed class TcpFaultRelay : IAsyncDisposable
{
    private const int ChunkQueueCapacity = 1_024;

    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint target;
    private readonly CancellationTokenSource stopping = new();
    private readonly List<(Socket Client, Socket Server, CancellationTokenSource Cut)> connections = [];
    private readonly Task accepting;
    private volatile int delayMs;
    private volatile TaskCompletionSource stalled = Resumed();

    public TcpFaultRelay(IPEndPoint target)
    {
        this.target = target;
        listener.Start();
        accepting = AcceptLoopAsync();
    }

    public Uri Address => new($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}");

    public int Accepted { get; private set; }

    /// <summary>Every chunk is held this long before it is forwarded (0: none).</summary>
    public void SetDelay(TimeSpan delay) => delayMs = (int)delay.TotalMilliseconds;

    /// <summary>Nothing is forwarded in either direction until <see cref="Resume"/>; connections stay open.</summary>
    public void Stall()
    {
        if (stalled.Task.IsCompleted)
        {
            stalled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    public void Resume() => stalled.TrySetResult();

    /// <summary>Resets every open connection (RST, as a dropped route or a killed peer looks); new ones are accepted.</summary>
    public void CutAll()
    {
        lock (connections)
        {
            foreach (var (client, server, cut) in connections)
            {
                cut.Cancel();
                client.LingerState = new LingerOption(true, 0);
                server.LingerState = new LingerOption(true, 0);
                client.Close();
                server.Close();
            }

            connections.Clear();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        listener.Stop();
        Resume();
        CutAll();
        try
        {
            await accepting;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }

        stopping.Dispose();
    }

    private static TaskCompletionSource Resumed()
    {
        var resumed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        resumed.SetResult();
        return resumed;
    }

    private async Task AcceptLoopAsync()
    {
        while (!stopping.IsCancellationRequested)
        {
            var client = await listener.AcceptSocketAsync(stopping.Token);
            var server = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            client.NoDelay = true;
            try
            {
                await server.ConnectAsync(target, stopping.Token);
            }
            catch (SocketException)
            {
                client.Close();
                server.Dispose();
                continue;
            }

            var cut = CancellationTokenSource.CreateLinkedTokenSource(stopping.Token);
            lock (connections)
            {
                connections.Add((client, server, cut));
                Accepted++;
            }

            _ = PumpAsync(client, server, cut.Token);
            _ = PumpAsync(server, client, cut.Token);
        }
    }

    /// <summary>One direction: read chunks as they come (stamped), forward each when its delay is over and no stall holds it.</summary>
    private async Task PumpAsync(Socket from, Socket to, CancellationToken cut)
    {
        var chunks = Channel.CreateBounded<(byte[] Data, int Length, long ReadAt)>(ChunkQueueCapacity);
        var writing = Task.Run(async () =>
        {
            await foreach (var (data, length, readAt) in chunks.Reader.ReadAllAsync(cut))
            {
                var due = readAt + delayMs - Environment.TickCount64;
                if (due > 0)
                {
                    await Task.Delay((int)due, cut);
                }

                await stalled.Task.WaitAsync(cut);
                await to.SendAsync(data.AsMemory(0, length), SocketFlags.None, cut);
            }
        }, cut);
        try
        {
            while (true)
            {
                var buffer = new byte[16 * 1024];
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, cut);
                if (read == 0)
                {
                    break;
                }

                await chunks.Writer.WriteAsync((buffer, read, Environment.TickCount64), cut);
            }

            chunks.Writer.TryComplete();
            await writing;
            to.Shutdown(SocketShutdown.Send);
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException or ChannelClosedException)
        {
            // Cut, or the other side went away: the peer sees the reset.
        }
    }
}
