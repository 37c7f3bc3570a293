using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using Grpc.Core;
using Live.Edge.Connections;
using Live.Edge.Inbox;
using Live.Edge.Rooms;
using Live.Edge.Telemetry;
using Live.Protocol;
using Live.V1;

namespace Live.Edge.Relay;

/// <summary>
/// One bidi Relay stream to MessageService carrying every room mapped to it. One loop writes (the stream's
/// only writer), one loop reads and hands batches to the rooms. When the stream breaks it reconnects with
/// backoff, resubscribes its rooms (their clients are closed with 1001 and resume from history) and announces its
/// users again (their connections then catch up from the inbox store). Each failure moves it to the next node
/// of <paramref name="targets"/> (one client per node in <paramref name="clients"/>), so a dead MessageService
/// costs its streams one reconnect.
/// </summary>
public sealed class RelayStream(
    int index,
    IReadOnlyList<MessageServiceClient> clients,
    IReadOnlyList<Uri> targets,
    RoomRegistry registry,
    UserRegistry users,
    RelayOptions options,
    EdgeMetrics metrics,
    ILogger logger)
{
    /// <summary>The rooms subscribed on this stream, each with the audience last reported for it (0: none).</summary>
    private readonly ConcurrentDictionary<long, int> rooms = new();
    private readonly ConcurrentDictionary<long, byte> announcedUsers = new();
    private readonly TaskCompletionSource firstConnected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Channel<RelayUp>? current;
    private int queuedMessages;
    private int node;

    /// <summary>The client of the node this stream uses (or is about to try).</summary>
    public MessageServiceClient Client => clients[Volatile.Read(ref node)];

    /// <summary>Whether the stream is open now (subscriptions and messages go through at once).</summary>
    public bool IsConnected => Volatile.Read(ref current) is not null;

    /// <summary>Completes when the stream opened for the first time.</summary>
    public Task FirstConnected => firstConnected.Task;

    /// <summary>Client messages waiting for this stream's writer (bounded by <c>Relay:UpQueueCapacity</c>).</summary>
    public int QueuedMessages => Volatile.Read(ref queuedMessages);

    public RelaySendResult TrySendMessage(RelayUp up)
    {
        var queue = Volatile.Read(ref current);
        if (queue is null)
        {
            return RelaySendResult.Disconnected;
        }

        if (Interlocked.Increment(ref queuedMessages) > options.UpQueueCapacity)
        {
            Interlocked.Decrement(ref queuedMessages);
            return RelaySendResult.Full;
        }

        if (!queue.Writer.TryWrite(up))
        {
            Interlocked.Decrement(ref queuedMessages);
            return RelaySendResult.Disconnected;
        }

        return RelaySendResult.Sent;
    }

    public void Subscribe(long roomId)
    {
        if (rooms.TryAdd(roomId, 0))
        {
            Volatile.Read(ref current)?.Writer.TryWrite(new RelayUp { Subscribe = new RoomRef { RoomId = roomId } });
        }
    }

    /// <summary>
    /// Tells MessageService how many connections this Edge holds in a subscribed room, when that moved by a step
    /// since the last report (<see cref="AudienceToReport"/>); while the stream is down, the next connection reports it.
    /// </summary>
    public void ReportAudience(long roomId, int connections)
    {
        if (rooms.TryGetValue(roomId, out var reported) && AudienceToReport(reported, connections) is { } audience
            && rooms.TryUpdate(roomId, audience, reported))
        {
            Volatile.Read(ref current)?.Writer.TryWrite(Audience(roomId, audience));
        }
    }

    /// <summary>
    /// The audience to report, or null when the last report still stands: rooms below 32 connections count as none
    /// (below 1,000 the audience does not change a room's window), and above it a report is due when the count moved
    /// by an eighth, so a join storm into a room of 10,000 sends about fifty.
    /// </summary>
    internal static int? AudienceToReport(int reported, int connections)
    {
        var audience = connections >= 32 ? connections : 0;
        return audience != reported && Math.Abs(audience - reported) >= reported / 8 ? audience : null;
    }

    public void Unsubscribe(long roomId)
    {
        if (rooms.TryRemove(roomId, out _))
        {
            Volatile.Read(ref current)?.Writer.TryWrite(new RelayUp { Unsubscribe = new RoomRef { RoomId = roomId } });
        }
    }

    public void AnnounceUser(long userId)
    {
        if (announcedUsers.TryAdd(userId, 0))
        {
            Volatile.Read(ref current)?.Writer.TryWrite(new RelayUp { UserOnline = new UserRef { UserId = userId } });
        }
    }

    public void WithdrawUser(long userId)
    {
        if (announcedUsers.TryRemove(userId, out _))
        {
            Volatile.Read(ref current)?.Writer.TryWrite(new RelayUp { UserOffline = new UserRef { UserId = userId } });
        }
    }

    public async Task RunAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            var started = Stopwatch.GetTimestamp();
            string reason;
            try
            {
                await RunOnceAsync(stoppingToken);
                reason = "the server ended the stream";
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (RpcException ex)
            {
                reason = $"{ex.StatusCode}: {ex.Status.Detail}";
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException or InvalidOperationException or OperationCanceledException)
            {
                reason = ex.Message;
            }

            if (stoppingToken.IsCancellationRequested)
            {
                return; // the Edge is stopping: the call was cancelled on purpose (it ends as Cancelled), nothing broke
            }

            var failed = node;
            Volatile.Write(ref node, (node + 1) % clients.Count);
            failures = Stopwatch.GetElapsedTime(started) > TimeSpan.FromSeconds(10) ? 1 : failures + 1;
            var delay = Math.Min(options.MaxReconnectDelayMs, 100 * (1 << Math.Min(failures, 10)));
            Log.RelayBroken(logger, index, targets[failed].Authority, reason, targets[node].Authority, delay);
            metrics.RelayReconnected();
            try
            {
                await Task.Delay(delay + Random.Shared.Next(delay / 4 + 1), stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task RunOnceAsync(CancellationToken stoppingToken)
    {
        using var broken = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var target = targets[node];
        using var call = clients[node].Relay(cancellationToken: broken.Token);
        await call.ResponseHeadersAsync;

        var queue = Channel.CreateUnbounded<RelayUp>(new UnboundedChannelOptions { SingleReader = true });
        Interlocked.Exchange(ref queuedMessages, 0);
        Volatile.Write(ref current, queue);
        foreach (var (roomId, audience) in rooms)
        {
            // Subscribe() between the publication of the queue and here may send a room twice; the server ignores the repeat.
            queue.Writer.TryWrite(new RelayUp { Subscribe = new RoomRef { RoomId = roomId } });
            if (audience > 0)
            {
                queue.Writer.TryWrite(Audience(roomId, audience));
            }
        }

        foreach (var userId in announcedUsers.Keys)
        {
            // As for rooms: a user announced twice is routed once by the server.
            queue.Writer.TryWrite(new RelayUp { UserOnline = new UserRef { UserId = userId } });
        }

        firstConnected.TrySetResult();
        Log.RelayConnected(logger, index, target.Authority, rooms.Count);
        var writer = WriteLoopAsync(call.RequestStream, queue.Reader, broken);
        try
        {
            await foreach (var down in call.ResponseStream.ReadAllAsync(broken.Token))
            {
                Dispatch(down);
            }
        }
        finally
        {
            Volatile.Write(ref current, null);
            queue.Writer.TryComplete();
            await broken.CancelAsync();
            await writer;
            foreach (var roomId in rooms.Keys)
            {
                registry.Find(roomId)?.OnRelayLost();
            }

            users.OnRouteLost(announcedUsers.Keys);
        }
    }

    private static RelayUp Audience(long roomId, int connections) =>
        new() { Audience = new RoomAudience { RoomId = roomId, Connections = connections } };

    private void Dispatch(RelayDown down)
    {
        switch (down.KindCase)
        {
            case RelayDown.KindOneofCase.Batch:
                metrics.BatchReceived();
                if (registry.Find(down.Batch.RoomId) is { } room)
                {
                    room.Deliver(down.Batch);
                    metrics.BatchDelivered(down.Batch.OldestAcceptedMs);
                }

                break;
            case RelayDown.KindOneofCase.Subscribed:
                registry.Find(down.Subscribed.RoomId)?.OnSubscribed(down.Subscribed.LatestSeq, down.Subscribed.Epoch);
                break;
            case RelayDown.KindOneofCase.Rejected:
                OnRejected(down.Rejected);
                break;
            case RelayDown.KindOneofCase.Own:
                registry.FindConnection(down.Own.ConnectionId)?.SendOwn(OutgoingFrame.Control(down.Own.Frame.Memory));
                break;
            case RelayDown.KindOneofCase.Control:
                OnControl(down.Control);
                break;
            case RelayDown.KindOneofCase.User:
                users.Deliver(down.User.UserId, down.User.Seq, OutgoingFrame.Control(down.User.Frame.Memory));
                break;
            case RelayDown.KindOneofCase.UserSubscribed:
                users.OnRouted(down.UserSubscribed.UserId);
                break;
        }
    }

    /// <summary>A delete or not-recovered frame for every connection of a room; a resume frame among them starts a new epoch.</summary>
    private void OnControl(RoomControl control)
    {
        if (registry.Find(control.RoomId) is not { } room)
        {
            return;
        }

        var frame = control.Frame.Memory;
        if (FrameReader.TryReadHeader(frame.Span, out var type, out _) == DecodeStatus.Ok && type == FrameType.Resume)
        {
            room.OnEpochChanged(frame);
            return;
        }

        room.Deliver(OutgoingFrame.Control(frame));
    }

    /// <summary>A refused message: an error frame to its sender, then a close when moderation asks for one (repeat flooder).</summary>
    private void OnRejected(MessageRejected rejected)
    {
        if (registry.FindConnection(rejected.ConnectionId) is not { } connection)
        {
            return;
        }

        connection.SendError(RejectReasonTable.ErrorCodeOf(rejected.Reason), rejected.Detail, rejected.RetryAfterMs);
        if (rejected.Disconnect)
        {
            metrics.FlooderDisconnected();
            connection.RequestClose(CloseCodes.Flooding, "kept sending after being rate-limited");
        }
    }

    private async Task WriteLoopAsync(IClientStreamWriter<RelayUp> stream, ChannelReader<RelayUp> reader, CancellationTokenSource broken)
    {
        try
        {
            while (await reader.WaitToReadAsync(broken.Token))
            {
                while (reader.TryRead(out var up))
                {
                    await stream.WriteAsync(up, broken.Token);
                    if (up.KindCase == RelayUp.KindOneofCase.Message)
                    {
                        Interlocked.Decrement(ref queuedMessages);
                    }
                }
            }
        }
        catch (Exception ex) when (ex is RpcException or IOException or OperationCanceledException or InvalidOperationException)
        {
            // A failed write breaks the stream; the read loop then ends and the stream reconnects.
            await broken.CancelAsync();
        }
    }
}
