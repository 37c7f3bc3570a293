using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Threading.Channels;
using Google.Protobuf;
using Live.MessageService.Ingest;
using Live.MessageService.Telemetry;
using Live.V1;

namespace Live.MessageService.Relay;

/// <summary>
/// The client messages of one relay stream on their way through ingest. They are pipelined: each is started at
/// once (Redis keeps the order of commands sent on its connection) and completed in arrival order by one loop
/// that sends rejections and own frames back down the stream. Messages of one connection are ingested one after
/// the other: checks may wait (room status, Redis), and a sender's messages must reach moderation (rate,
/// duplicates) and the seq in the order they were sent.
/// </summary>
public sealed class RelayIngest
{
    private readonly IngestPipeline ingest;
    private readonly EdgeSession session;
    private readonly Channel<PendingIngest> inFlight;

    /// <summary>The latest unfinished ingest of each connection that has one; the next message of it waits for it.</summary>
    private readonly ConcurrentDictionary<long, Task<IngestResult>> unfinished = new();

    /// <param name="maxInFlight">Messages started and not yet reported; beyond it <see cref="EnqueueAsync"/> waits (flow control pushes back on the Edge).</param>
    public RelayIngest(IngestPipeline ingest, EdgeSession session, int maxInFlight)
    {
        this.ingest = ingest;
        this.session = session;
        inFlight = Channel.CreateBounded<PendingIngest>(new BoundedChannelOptions(maxInFlight) { SingleReader = true, SingleWriter = true });
    }

    /// <summary>Starts a message's ingest (or queues it behind its connection's previous one). Called by the stream's read loop only.</summary>
    public ValueTask EnqueueAsync(ClientMessage message)
    {
        var incoming = new IncomingMessage(message.RoomId, message.Kind, message.UserId, message.UserName, message.Content, message.Color,
            message.ConnectionId, MessageOrigin.Viewer, message.UserLevel, AddressOf(message.ClientIp));
        var activity = IngestTracing.StartRelayed(message.Traceparent);
        var started = StartInOrder(incoming);
        // The ingest started above keeps the message's span; the stream's read loop goes on outside any trace.
        Activity.Current = null;
        return inFlight.Writer.WriteAsync(new PendingIngest(incoming, started, activity), session.Aborted);
    }

    /// <summary>No more messages: <see cref="ReportAsync"/> ends once those started are reported.</summary>
    public void Complete() => inFlight.Writer.TryComplete();

    /// <summary>The loop that waits for each ingest in arrival order and tells the Edge about refusals and own frames.</summary>
    public async Task ReportAsync()
    {
        await foreach (var item in inFlight.Reader.ReadAllAsync(CancellationToken.None))
        {
            IngestResult result;
            try
            {
                result = await item.Result;
            }
            catch (OperationCanceledException)
            {
                continue;
            }
            finally
            {
                // Only if no later message of the connection took its place.
                unfinished.TryRemove(KeyValuePair.Create(item.Message.ConnectionId, item.Result));
                IngestTracing.Stop(item.Activity, item.Result);
            }

            if (item.Message.ConnectionId == 0)
            {
                continue;
            }

            if (!result.IsAccepted)
            {
                session.Enqueue(new RelayDown
                {
                    Rejected = new MessageRejected
                    {
                        ConnectionId = item.Message.ConnectionId,
                        RoomId = item.Message.RoomId,
                        Reason = result.Verdict.Reason,
                        Detail = result.Verdict.Detail ?? string.Empty,
                        RetryAfterMs = result.Verdict.RetryAfter is { } retry ? (long)Math.Ceiling(retry.TotalMilliseconds) : 0,
                        Disconnect = result.Verdict.Disconnect,
                    },
                });
            }
            else if (result.OwnFrame is { } own)
            {
                session.Enqueue(new RelayDown
                {
                    Own = new ConnectionFrame { ConnectionId = item.Message.ConnectionId, RoomId = item.Message.RoomId, Frame = UnsafeByteOperations.UnsafeWrap(own) },
                });
            }
        }
    }

    /// <summary>Starts the message's ingest now, or when the connection's previous message is through.</summary>
    private Task<IngestResult> StartInOrder(IncomingMessage message)
    {
        var started = unfinished.TryGetValue(message.ConnectionId, out var previous)
            ? AfterAsync(previous, message)
            : ingest.IngestAsync(message, session.Aborted).AsTask();
        if (!started.IsCompleted)
        {
            unfinished[message.ConnectionId] = started;
        }

        return started;
    }

    private async Task<IngestResult> AfterAsync(Task<IngestResult> previous, IncomingMessage message)
    {
        await ((Task)previous).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        return await ingest.IngestAsync(message, session.Aborted);
    }

    private static IPAddress? AddressOf(ByteString ip) => ip.Length is 4 or 16 ? new IPAddress(ip.Span) : null;

    private readonly record struct PendingIngest(IncomingMessage Message, Task<IngestResult> Result, Activity? Activity);
}
