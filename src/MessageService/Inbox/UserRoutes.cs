using Google.Protobuf;
using Live.MessageService.Relay;
using Live.MessageService.Telemetry;
using Live.Protocol;
using Live.V1;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Live.MessageService.Inbox;

/// <summary>
/// The users this node routes messages to (docs/inbox.md, Delivery): while at least one Edge stream announced a
/// user, this node holds one subscription to <see cref="InboxChannel.Of"/> for them, whatever the number of Edges,
/// and forwards each publication, encoded once as a user message frame, down every such stream.
/// </summary>
public sealed class UserRoutes(IConnectionMultiplexer redis, IOptions<MessageOptions> options, ILogger<UserRoutes> logger)
{
    private readonly Dictionary<long, Route> routes = [];
    private readonly Lock gate = new();
    private readonly int maxUsersPerStream = options.Value.MaxUsersPerStream;

    /// <summary>
    /// The Edge stream has a connection of the user. The SUBSCRIBE is not awaited here: the stream's read loop goes
    /// on to the next announcement, so a join storm's SUBSCRIBEs go out pipelined on the one subscriber connection
    /// instead of one round trip each. The stream is told once the subscription is active.
    /// </summary>
    public void Online(EdgeSession session, long userId)
    {
        if (session.Users.Count >= maxUsersPerStream)
        {
            Log.TooManyUsers(logger, session.Id, maxUsersPerStream, userId);
            return;
        }

        if (!session.Users.Add(userId))
        {
            return;
        }

        Route route;
        lock (gate)
        {
            if (!routes.TryGetValue(userId, out route!))
            {
                route = new Route(userId);
                routes[userId] = route;
                route.Subscribed = SubscribeAsync(route);
            }

            route.Sessions = [.. route.Sessions, session];
        }

        _ = ConfirmAsync(route, session);
    }

    /// <summary>The Edge stream has no connection of the user any more (or ended).</summary>
    public void Offline(EdgeSession session, long userId)
    {
        if (!session.Users.Remove(userId))
        {
            return;
        }

        Route? emptied = null;
        lock (gate)
        {
            if (routes.TryGetValue(userId, out var route))
            {
                route.Sessions = Array.FindAll(route.Sessions, s => s != session);
                if (route.Sessions.Length == 0)
                {
                    routes.Remove(userId);
                    emptied = route;
                }
            }
        }

        if (emptied is not null)
        {
            _ = UnsubscribeAsync(emptied);
        }
    }

    /// <summary>A stream that ended: every user it announced.</summary>
    public void Release(EdgeSession session)
    {
        foreach (var userId in session.Users.ToArray())
        {
            Offline(session, userId);
        }
    }

    private async Task<bool> SubscribeAsync(Route route)
    {
        try
        {
            await redis.GetSubscriber().SubscribeAsync(InboxChannel.Of(route.UserId), route.Handler ??= (_, payload) => Forward(route, payload));
            return true;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Log.UserSubscribeFailed(logger, route.UserId, ex);
            return false;
        }
    }

    /// <summary>
    /// Removes this route's own handler: a route made for the same user meanwhile has a handler of its own, and
    /// the server-side UNSUBSCRIBE only goes out when no handler is left.
    /// </summary>
    private async Task UnsubscribeAsync(Route route)
    {
        if (!await route.Subscribed!)
        {
            return;
        }

        try
        {
            await redis.GetSubscriber().UnsubscribeAsync(InboxChannel.Of(route.UserId), route.Handler);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // A stale server-side subscription costs only its traffic until the connection is replaced.
            Log.UserSubscribeFailed(logger, route.UserId, ex);
        }
    }

    private static async Task ConfirmAsync(Route route, EdgeSession session)
    {
        if (await route.Subscribed!)
        {
            session.Enqueue(new RelayDown { UserSubscribed = new UserRef { UserId = route.UserId } });
        }
    }

    private void Forward(Route route, RedisValue payload)
    {
        InboxMessage message;
        try
        {
            message = InboxMessage.Parser.ParseFrom((byte[])payload!);
        }
        catch (InvalidProtocolBufferException)
        {
            Log.BadInboxPublication(logger, route.UserId);
            return;
        }

        if (message.UserId != route.UserId || message.Seq <= 0)
        {
            Log.BadInboxPublication(logger, route.UserId);
            return;
        }

        var frame = UserFrames.Encode(message);
        var down = new RelayDown { User = new UserFrame { UserId = route.UserId, Seq = message.Seq, Frame = UnsafeByteOperations.UnsafeWrap(frame) } };
        foreach (var session in Volatile.Read(ref route.Sessions))
        {
            session.Enqueue(down);
        }
    }

    private sealed class Route(long userId)
    {
        public long UserId { get; } = userId;

        /// <summary>Replaced, never changed in place, so a publication reads a consistent array without the lock.</summary>
        public EdgeSession[] Sessions = [];

        public Task<bool>? Subscribed { get; set; }

        public Action<RedisChannel, RedisValue>? Handler { get; set; }
    }
}

/// <summary>Stored inbox messages as the user message frames clients get (docs/protocol.md, User messages).</summary>
public static class UserFrames
{
    public static byte[] Encode(InboxMessage message) => FrameWriter.EncodeUserMessage(message.Seq, (byte)message.Kind, message.FromUserId,
        message.FromUserName, message.RoomId, message.DurationSeconds, message.CreatedMs, message.Content);
}
