using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Live.Tools.LoadGen.Clients;

/// <summary>
/// Whether a server's port takes TCP connections, found without an exception and shared by a process's clients. All
/// of a run's clients share the machine with the servers; a refused WebSocket connect costs a client several
/// exceptions through the HTTP stack, and thousands of clients retrying while an Edge restarts would take CPU from
/// that Edge's start-up that real clients, on devices of their own, do not. So clients ask here before they connect,
/// and one probe answers every client of the process that asks within <see cref="FreshFor"/> of it: a client comes
/// back at most that much later than it would alone.
/// </summary>
public sealed class PortProbe
{
    public static readonly TimeSpan FreshFor = TimeSpan.FromMilliseconds(100);

    private static readonly ConcurrentDictionary<(string Host, int Port), PortProbe> Probes = new();

    private readonly EndPoint endPoint;
    private Probe? latest;

    private PortProbe(EndPoint endPoint) => this.endPoint = endPoint;

    public static PortProbe For(Uri target) => Probes.GetOrAdd((target.Host, target.Port), static key =>
        new PortProbe(IPAddress.TryParse(key.Host, out var address) ? new IPEndPoint(address, key.Port) : new DnsEndPoint(key.Host, key.Port)));

    /// <summary>The answer of the probe in flight or finished within <see cref="FreshFor"/>, else of a new one.</summary>
    public Task<bool> AcceptsAsync(TimeSpan timeout)
    {
        var seen = Volatile.Read(ref latest);
        if (seen is not null && (!seen.Answer.IsCompleted || Stopwatch.GetElapsedTime(seen.StartedAt) < FreshFor))
        {
            return seen.Answer;
        }

        var next = new Probe(Stopwatch.GetTimestamp(), ProbeAsync(endPoint, timeout));
        var winner = Interlocked.CompareExchange(ref latest, next, seen);
        return winner == seen ? next.Answer : winner!.Answer;
    }

    private static async Task<bool> ProbeAsync(EndPoint endPoint, TimeSpan timeout)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        using var connect = new SocketAsyncEventArgs { RemoteEndPoint = endPoint };
        var done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        connect.Completed += (_, e) => done.TrySetResult(e.SocketError == SocketError.Success);
        if (!socket.ConnectAsync(connect))
        {
            return connect.SocketError == SocketError.Success;
        }

        try
        {
            return await done.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            return false; // disposing the socket ends the connect
        }
    }

    private sealed record Probe(long StartedAt, Task<bool> Answer);
}
