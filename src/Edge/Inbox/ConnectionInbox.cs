using Grpc.Core;
using Live.Edge.Connections;
using Live.Edge.Telemetry;
using Live.Protocol;
using Live.V1;

namespace Live.Edge.Inbox;

/// <summary>
/// The user messages of one signed-in connection (docs/inbox.md, Delivery): what was sent (its user seq) and
/// acknowledged. Messages go out in seq order, each once: from the store (ListInbox) when the connection starts,
/// when a live publication shows a gap, when the route was re-announced, or after an ack lifted the unacked bound;
/// live publications otherwise. Everything is sent under one lock, so the two sources cannot interleave out of order.
/// </summary>
/// <param name="listTurns">Shared by the Edge's connections: bounds the ListInbox calls in flight (<see cref="InboxOptions.MaxConcurrentLists"/>).</param>
public sealed class ConnectionInbox(EdgeConnection connection, InboxService.InboxServiceClient client, ReadMarker marker, SemaphoreSlim listTurns,
    InboxOptions options, ILogger logger) : IUserAcks
{
    private readonly Lock gate = new();
    private long lastSent;
    private long acked;
    private bool started;
    private bool listing;
    private bool listAgain;
    private bool atBound;

    public long UserId => connection.Identity.UserId;

    public long ConnectionId => connection.Id;

    /// <summary>
    /// Starts once the user's inbox channel is subscribed for this Edge (<paramref name="routed"/>), so anything
    /// stored after the list below is also published to us; what both deliver is sent once (by seq).
    /// </summary>
    public async Task StartAsync(Task routed, TimeSpan timeout)
    {
        try
        {
            await routed.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            // The route is not confirmed (MessageService slow or away): list anyway; what is missed comes on the
            // first live message after a gap, or on the next connection.
        }

        lock (gate)
        {
            started = true;
        }

        await ListAsync();
    }

    /// <summary>A live publication for the user.</summary>
    public void OnPublished(long seq, OutgoingFrame frame)
    {
        lock (gate)
        {
            if (!started || seq <= lastSent)
            {
                return;
            }

            if (listing)
            {
                listAgain = true;
                return;
            }

            if (seq == lastSent + 1)
            {
                if (lastSent - acked >= options.MaxUnackedPerConnection)
                {
                    atBound = true;
                    return;
                }

                lastSent = seq;
                connection.SendOwn(frame);
                return;
            }
        }

        // A gap: something between was published while this connection could not get it; the store has it.
        _ = ListAsync();
    }

    /// <summary>The route was lost and announced again: publications may have been missed meanwhile.</summary>
    public void CatchUp()
    {
        lock (gate)
        {
            if (!started)
            {
                return;
            }
        }

        _ = ListAsync();
    }

    /// <summary>The client's cumulative ack; never past what this connection was sent.</summary>
    public void OnAck(long seq)
    {
        bool resume;
        lock (gate)
        {
            seq = Math.Min(seq, lastSent);
            if (seq <= acked)
            {
                return;
            }

            acked = seq;
            resume = atBound;
            atBound = false;
        }

        marker.MarkRead(UserId, seq);
        if (resume)
        {
            _ = ListAsync();
        }
    }

    /// <summary>Sends what the store holds after the last sent seq, page by page, up to the unacked bound.</summary>
    private async Task ListAsync()
    {
        lock (gate)
        {
            if (listing)
            {
                listAgain = true;
                return;
            }

            listing = true;
        }

        try
        {
            while (true)
            {
                long after;
                int limit;
                lock (gate)
                {
                    listAgain = false;
                    after = lastSent;
                    limit = (int)Math.Min(options.ListPageSize, options.MaxUnackedPerConnection - (lastSent - acked));
                    if (limit <= 0)
                    {
                        atBound = true;
                        listing = false;
                        return;
                    }
                }

                ListInboxResponse page;
                await listTurns.WaitAsync();
                try
                {
                    if (connection.CloseCode != 0)
                    {
                        // Closed while waiting for a turn: nobody to send the page to.
                        lock (gate)
                        {
                            listing = false;
                        }

                        return;
                    }

                    page = await client.ListInboxAsync(new ListInboxRequest { UserId = UserId, AfterSeq = after, Limit = limit },
                        deadline: DateTime.UtcNow.AddMilliseconds(options.CallTimeoutMs));
                }
                finally
                {
                    listTurns.Release();
                }

                lock (gate)
                {
                    // Read messages are not sent again: the first page (after 0) may start below the user's read seq.
                    acked = Math.Max(acked, page.ReadSeq);
                    lastSent = Math.Max(lastSent, page.ReadSeq);
                    foreach (var message in page.Messages)
                    {
                        if (message.Seq > lastSent)
                        {
                            lastSent = message.Seq;
                            connection.SendOwn(OutgoingFrame.Control(Encode(message)));
                        }
                    }

                    if (page.Messages.Count < limit && !listAgain)
                    {
                        listing = false;
                        return;
                    }
                }
            }
        }
        catch (RpcException ex)
        {
            Log.ListInboxFailed(logger, UserId, connection.Id, ex.Status.Detail);
            lock (gate)
            {
                listing = false;
            }
        }
    }

    private static byte[] Encode(InboxMessage message) => FrameWriter.EncodeUserMessage(message.Seq, (byte)message.Kind, message.FromUserId,
        message.FromUserName, message.RoomId, message.DurationSeconds, message.CreatedMs, message.Content);
}
