using System.Collections.Concurrent;
using System.Threading.Channels;
using Grpc.Core;
using Live.MessageService.Telemetry;
using Live.V1;

namespace Live.MessageService.Relay;

/// <summary>
/// One Edge's relay stream as seen by this node: the rooms it subscribed and its single writer. Everything
/// going down (batches shared with other Edges, confirmations, rejections) passes through one bounded queue
/// read by one loop, because a gRPC stream allows one write at a time. An Edge that falls a whole queue
/// behind is cut off; it reconnects and resubscribes, and its clients resume from history.
/// </summary>
public sealed class EdgeSession : IDisposable
{
    private static long lastId;

    private readonly Channel<RelayDown> down;

    /// <summary>Connections the Edge reported in rooms it subscribed (ADR 0017); read by the flushing loop.</summary>
    private readonly ConcurrentDictionary<long, int> audiences = new();
    private readonly CancellationTokenSource aborted;
    private readonly MessageMetrics metrics;
    private readonly ILogger logger;
    private readonly int capacity;
    private int overflowed;

    public EdgeSession(int capacity, MessageMetrics metrics, ILogger logger, CancellationToken callCancelled, CancellationToken stopping)
    {
        this.capacity = capacity;
        this.metrics = metrics;
        this.logger = logger;
        down = Channel.CreateBounded<RelayDown>(new BoundedChannelOptions(capacity) { SingleReader = true });
        aborted = CancellationTokenSource.CreateLinkedTokenSource(callCancelled, stopping);
    }

    public long Id { get; } = Interlocked.Increment(ref lastId);

    /// <summary>Rooms this stream subscribed; touched only by the stream's read loop.</summary>
    public HashSet<long> Rooms { get; } = [];

    /// <summary>Users this stream announced (docs/inbox.md, Delivery); touched only by the stream's read loop.</summary>
    public HashSet<long> Users { get; } = [];

    /// <summary>How many connections the Edge holds in a room, as it last reported; 0 when it has not (fewer than 32 count as none).</summary>
    public int AudienceIn(long roomId) => audiences.GetValueOrDefault(roomId);

    /// <summary>Kept only for a room the stream subscribed (the caller checks), and dropped with the subscription: bounded by <see cref="Rooms"/>.</summary>
    public void ReportAudience(long roomId, int connections)
    {
        if (connections > 0)
        {
            audiences[roomId] = connections;
        }
        else
        {
            audiences.TryRemove(roomId, out _);
        }
    }

    /// <summary>Cancelled when the call ends, the node stops, the session overflowed or was interrupted.</summary>
    public CancellationToken Aborted => aborted.Token;

    public bool Overflowed => Volatile.Read(ref overflowed) == 1;

    public void Enqueue(RelayDown item)
    {
        if (down.Writer.TryWrite(item) || Interlocked.Exchange(ref overflowed, 1) == 1)
        {
            return;
        }

        metrics.EdgeStreamOverflowed();
        Log.EdgeStreamOverflowed(logger, Id, capacity);
        aborted.Cancel();
    }

    public async Task RunWriterAsync(IServerStreamWriter<RelayDown> stream)
    {
        try
        {
            while (await down.Reader.WaitToReadAsync(Aborted))
            {
                while (down.Reader.TryRead(out var item))
                {
                    await stream.WriteAsync(item, Aborted);
                }
            }
        }
        catch (OperationCanceledException) when (Aborted.IsCancellationRequested)
        {
            // The call is over or the session overflowed; the handler reports which.
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException)
        {
            // The Edge is gone mid-write; nothing more can reach it.
            aborted.Cancel();
        }
    }

    public void Complete() => down.Writer.TryComplete();

    /// <summary>Ends the stream as a stopping node does: the Edge reconnects, subscribes again and its clients resume.</summary>
    public void Interrupt() => aborted.Cancel();

    public void Dispose() => aborted.Dispose();
}
