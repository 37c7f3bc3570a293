using System.Collections.Concurrent;
using System.Diagnostics;
using Google.Protobuf;
using Grpc.Core;
using Live.MessageService.Ingest;
using Live.MessageService.Relay;
using Live.MessageService.Telemetry;
using Live.Protocol;
using Live.V1;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Live.MessageService.Fanout;

/// <summary>
/// The rooms this node fans out: a room is here while at least one Edge stream subscribed it, and then this
/// node holds one Redis subscription to the room's channel, whatever the number of Edges.
/// </summary>
public sealed class RoomHub(
    IConnectionMultiplexer redis,
    RoomPositionReader positions,
    EpochReplacer epochs,
    TimeProvider time,
    IOptions<MessageOptions> options,
    MessageMetrics metrics,
    ILogger<RoomHub> logger) : IDisposable
{
    private readonly ConcurrentDictionary<long, RoomFeed> feeds = new();

    /// <summary>
    /// The epochs of the feeds the last interrupted subscription dropped, until their rooms' next feeds learn the
    /// epoch in force (an epoch that changed meanwhile still counts as replaced). At most the rooms dropped then.
    /// </summary>
    private readonly ConcurrentDictionary<long, long> epochsBeforeInterruption = new();
    private readonly SemaphoreSlim membership = new(1, 1);
    private readonly ConcurrentQueue<RoomFeed> dirty = new();
    private readonly SemaphoreSlim flushSignal = new(0);
    private readonly MessageOptions settings = options.Value;
    private int flushSignalled;

    /// <summary>Rooms with a pending batch, for the flushing loop.</summary>
    internal ConcurrentQueue<RoomFeed> Dirty => dirty;

    /// <summary>Subscribes an Edge stream to a room and tells it from which seq on its live traffic is complete.</summary>
    public async Task SubscribeAsync(EdgeSession session, long roomId)
    {
        if (!session.Rooms.Add(roomId))
        {
            return;
        }

        await membership.WaitAsync(session.Aborted);
        try
        {
            if (!feeds.TryGetValue(roomId, out var feed))
            {
                feed = new RoomFeed(roomId, new DisplaySampler(settings.MaxDisplayRatePerSecond, Stopwatch.GetTimestamp(), Stopwatch.Frequency),
                    maxHeldBytes: settings.MaxBatchBytes);
                try
                {
                    var subscription = await redis.GetSubscriber().SubscribeAsync(MessageKeys.Channel(roomId));
                    subscription.OnMessage(message => OnPublished(feed, message.Message));
                    feed.Subscription = subscription;
                }
                catch (Exception ex) when (ex is RedisException or TimeoutException)
                {
                    feed.Dispose();
                    session.Rooms.Remove(roomId);
                    Log.SubscribeFailed(logger, roomId, ex);
                    throw new RpcException(new Status(StatusCode.Unavailable, $"cannot subscribe room {roomId}: Redis unavailable."));
                }

                feeds[roomId] = feed;
                metrics.RoomsChanged(1);
            }

            feed.AddSubscriber(session);
        }
        finally
        {
            membership.Release();
        }

        // Read after the subscription is active: every seq above this one is published after it, so it
        // reaches this stream. Lower seqs still in flight may arrive too; the feed drops them. An epoch
        // change after this read reaches the stream as a room control.
        var position = await positions.ReadAsync(roomId);
        if (feeds.TryGetValue(roomId, out var subscribed))
        {
            CountIfReplacedMeanwhile(roomId, position.Epoch);
            if (!subscribed.LearnPosition(position.Epoch, position.Seq))
            {
                // The feed's first frame skipped past the position read: frames were lost on their way while the feed
                // was new (a failover moving the subscription). Its clients resume from history, as for a later gap.
                Log.SubscriptionGapAtStart(logger, roomId, position.Seq);
                await InterruptAllAsync(onlyIfCurrent: subscribed);
                return;
            }
        }

        session.Enqueue(new RelayDown { Subscribed = new Subscribed { RoomId = roomId, LatestSeq = position.Seq, Epoch = position.Epoch } });
    }

    public async Task UnsubscribeAsync(EdgeSession session, long roomId)
    {
        if (!session.Rooms.Remove(roomId))
        {
            return;
        }

        session.ReportAudience(roomId, 0);

        await membership.WaitAsync(CancellationToken.None);
        try
        {
            if (!feeds.TryGetValue(roomId, out var feed) || feed.RemoveSubscriber(session) > 0)
            {
                return;
            }

            feeds.TryRemove(roomId, out _);
            metrics.RoomsChanged(-1);
            feed.Dispose();
            if (feed.Subscription is { } subscription)
            {
                try
                {
                    await subscription.UnsubscribeAsync();
                }
                catch (Exception ex) when (ex is RedisException or TimeoutException)
                {
                    // The feed is gone either way; a stale server-side subscription only costs traffic until reconnect.
                    Log.SubscribeFailed(logger, roomId, ex);
                }
            }
        }
        finally
        {
            membership.Release();
        }
    }

    /// <summary>
    /// This node's Redis subscription was interrupted, so frames published meanwhile never reached it: every room
    /// it serves may have a hole in its live traffic that no seq shows (an epoch announcement among the lost
    /// frames, or a new lineage that climbs past what was forwarded). Each room's feed is dropped and the Edge
    /// streams that subscribed it end, as when the node stops: the Edges subscribe again, to fresh feeds, and
    /// their clients resume from history with last_seq and epoch, where every message is.
    /// </summary>
    /// <param name="onlyIfCurrent">A feed that found a gap: nothing is done if an interruption already replaced it.</param>
    public async Task InterruptAllAsync(RoomFeed? onlyIfCurrent = null)
    {
        var dropped = new List<RoomFeed>();
        var sessions = new HashSet<EdgeSession>();
        await membership.WaitAsync(CancellationToken.None);
        try
        {
            if (onlyIfCurrent is not null && (!feeds.TryGetValue(onlyIfCurrent.RoomId, out var current) || current != onlyIfCurrent))
            {
                return;
            }

            epochsBeforeInterruption.Clear();
            foreach (var (roomId, feed) in feeds)
            {
                if (feed.Epoch != 0)
                {
                    epochsBeforeInterruption[roomId] = feed.Epoch;
                }

                feeds.TryRemove(roomId, out _);
                metrics.RoomsChanged(-1);
                sessions.UnionWith(feed.Subscribers);
                feed.Dispose();
                dropped.Add(feed);
            }
        }
        finally
        {
            membership.Release();
        }

        foreach (var session in sessions)
        {
            session.Interrupt();
        }

        Log.SubscriptionInterrupted(logger, dropped.Count, sessions.Count);
        foreach (var feed in dropped)
        {
            if (feed.Subscription is not { } subscription)
            {
                continue;
            }

            try
            {
                await subscription.UnsubscribeAsync();
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                Log.SubscribeFailed(logger, feed.RoomId, ex);
            }
        }
    }

    public async Task ReleaseAsync(EdgeSession session)
    {
        foreach (var roomId in session.Rooms.ToArray())
        {
            await UnsubscribeAsync(session, roomId);
        }
    }

    /// <summary>Waits for the next flush: the window elapsed or a room's batch grew past its size limit.</summary>
    internal async Task WaitForFlushAsync(TimeSpan window, CancellationToken cancellationToken)
    {
        await flushSignal.WaitAsync(window, cancellationToken);
        Volatile.Write(ref flushSignalled, 0);
    }

    private void OnPublished(RoomFeed feed, RedisValue value)
    {
        var frame = (ReadOnlyMemory<byte>)value;
        var status = FrameReader.TryReadHeader(frame.Span, out var type, out _);
        if (status != DecodeStatus.Ok || type == FrameType.Batch || frame.Length < FrameLayout.MinMessageSize)
        {
            Log.MalformedPublishedFrame(logger, feed.RoomId, status.ToString());
            return;
        }

        if (type == FrameType.Delete)
        {
            // Not in a batch (its seq names an earlier message, outside any batch's seq range), but flushed with
            // the batches, after the one that may still hold that message.
            var control = new RelayDown { Control = new RoomControl { RoomId = feed.RoomId, Frame = ByteString.CopyFrom(frame.Span) } };
            if (feed.AppendControl(control))
            {
                dirty.Enqueue(feed);
            }

            return;
        }

        var seq = FrameWriter.ReadSeq(frame.Span);
        if (type == FrameType.NotRecovered)
        {
            // An epoch announcement (ADR 0007): the epoch in the user id slot, the seq it starts after in the seq slot.
            var epoch = FrameWriter.ReadUserId(frame.Span);
            var known = feed.Epoch;
            if (known != 0 && known != epoch)
            {
                // Not a room's first epoch: what this node forwarded in the old one is gone from the stream.
                metrics.EpochReplaced();
            }
            else if (known == 0)
            {
                CountIfReplacedMeanwhile(feed.RoomId, epoch);
            }

            if (feed.ChangeEpoch(epoch, seq, time.GetUtcNow().ToUnixTimeMilliseconds()))
            {
                dirty.Enqueue(feed);
            }

            Log.EpochAnnounced(logger, feed.RoomId, epoch, seq);
            return;
        }

        if (feed.Append(frame.Span, seq, type != FrameType.Danmaku, out var pendingBytes, out var regressed, out var gapped))
        {
            dirty.Enqueue(feed);
        }

        if (gapped)
        {
            // Without a dropped connection to show it (a failover can move the subscription to another node
            // while frames are in flight): the node missed frames, of this room and maybe of others.
            Log.SubscriptionGap(logger, feed.RoomId, seq);
            _ = InterruptAllAsync(onlyIfCurrent: feed);
            return;
        }

        if (regressed)
        {
            _ = ReplaceEpochAsync(feed, seq);
        }

        if (pendingBytes >= settings.MaxBatchBytes && Interlocked.Exchange(ref flushSignalled, 1) == 0)
        {
            flushSignal.Release();
        }
    }

    /// <summary>A feed made after an interrupted subscription learned its room's epoch: counted if it is not the one before.</summary>
    private void CountIfReplacedMeanwhile(long roomId, long epoch)
    {
        if (epoch != 0 && epochsBeforeInterruption.TryRemove(roomId, out var before) && before != epoch)
        {
            metrics.EpochReplaced();
        }
    }

    /// <summary>The stream went backwards: replace the epoch (or learn the one in force) through Redis.</summary>
    private async Task ReplaceEpochAsync(RoomFeed feed, long seq)
    {
        var known = feed.Epoch;
        Log.StreamWentBackwards(logger, feed.RoomId, seq, known);
        metrics.StreamRegressed();
        try
        {
            if (await epochs.ReplaceAsync(feed.RoomId, known) == 0)
            {
                // The room's state is gone: its next message makes an epoch and announces it.
                feed.RegressionUnresolved();
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            feed.RegressionUnresolved();
            Log.EpochReplaceFailed(logger, feed.RoomId, ex);
        }
    }

    public void Dispose()
    {
        foreach (var feed in feeds.Values)
        {
            feed.Dispose();
        }

        membership.Dispose();
        flushSignal.Dispose();
    }
}
