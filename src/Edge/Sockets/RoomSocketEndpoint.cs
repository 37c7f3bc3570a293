using System.Globalization;
using Grpc.Core;
using Live.Edge.Connections;
using Live.Edge.Identity;
using Live.Edge.Inbox;
using Live.Edge.Passes;
using Live.Edge.Relay;
using Live.Edge.Rooms;
using Live.Edge.Telemetry;
using Live.Protocol;
using Live.ServiceClients.Rooms;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Options;

namespace Live.Edge.Sockets;

/// <summary>
/// <c>/ws?room=&lt;id&gt;[&amp;last_seq=&lt;n&gt;[&amp;epoch=&lt;e&gt;]][&amp;compress=zstd][&amp;format=json]</c>: checks the request before the
/// upgrade (bad input is an HTTP error with a reason), then runs the connection: join, replay, live, leave.
/// </summary>
public static class RoomSocketEndpoint
{
    public static void MapRoomSocket(this WebApplication app) => app.Map("/ws", HandleAsync);

    private static async Task HandleAsync(
        HttpContext context,
        RoomRegistry registry,
        RelayClient relay,
        RoomStatusCache roomStatus,
        ViewerChangeBatcher viewers,
        IdentityResolver identities,
        RoomPassIssuer passes,
        UserRegistry users,
        InboxConnector inboxes,
        IOptions<EdgeOptions> options,
        EdgeMetrics metrics,
        IHostApplicationLifetime lifetime,
        ILoggerFactory loggers)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await Problem(context, StatusCodes.Status400BadRequest, "This endpoint needs a WebSocket upgrade.");
            return;
        }

        var query = context.Request.Query;
        if (!long.TryParse(query["room"], NumberStyles.None, CultureInfo.InvariantCulture, out var roomId) || roomId <= 0)
        {
            await Problem(context, StatusCodes.Status400BadRequest, "Query parameter 'room' must be a positive room id.");
            return;
        }

        long? lastSeq = null;
        if (query.ContainsKey("last_seq"))
        {
            if (!long.TryParse(query["last_seq"], NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
            {
                await Problem(context, StatusCodes.Status400BadRequest, "Query parameter 'last_seq' must be a non-negative integer.");
                return;
            }

            lastSeq = parsed;
        }

        long? epoch = null;
        if (query.ContainsKey("epoch"))
        {
            if (!long.TryParse(query["epoch"], NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
            {
                await Problem(context, StatusCodes.Status400BadRequest, "Query parameter 'epoch' must be a non-negative integer (the epoch of the last resume frame).");
                return;
            }

            // Without last_seq there is nothing to place in an epoch: ignored (docs/protocol.md, Resume).
            epoch = lastSeq is null ? null : parsed;
        }

        var format = ParseFormat(query["format"], query["compress"]);
        if (format is null)
        {
            await Problem(context, StatusCodes.Status400BadRequest, "'format' must be 'json' or 'binary'; 'compress' must be 'zstd' or 'none'.");
            return;
        }

        if (lifetime.ApplicationStopping.IsCancellationRequested)
        {
            // The clients this Edge just closed with 1001 come straight back; taken in here, they would hold its
            // shutdown open until the host's timeout and then be cut again. They retry after their backoff.
            metrics.ConnectionRefused();
            context.Response.Headers.RetryAfter = "1";
            await Problem(context, StatusCodes.Status503ServiceUnavailable, "This Edge is shutting down; reconnect with last_seq.");
            return;
        }

        if (metrics.OpenConnections >= options.Value.MaxConnections)
        {
            metrics.ConnectionRefused();
            context.Response.Headers.RetryAfter = "5";
            await Problem(context, StatusCodes.Status503ServiceUnavailable,
                $"This Edge holds its maximum of {options.Value.MaxConnections} connections; retry shortly.");
            return;
        }

        var identity = identities.Resolve(context.Request, out var identityError);
        if (identity is null)
        {
            await Problem(context, StatusCodes.Status401Unauthorized, identityError!);
            return;
        }

        try
        {
            var state = await roomStatus.GetAsync(roomId, context.RequestAborted);
            if (state != RoomState.Live)
            {
                await Problem(context, state == RoomState.NotFound ? StatusCodes.Status404NotFound : StatusCodes.Status409Conflict,
                    state == RoomState.NotFound ? $"Room {roomId} does not exist." : $"Room {roomId} is not live.");
                return;
            }
        }
        catch (RpcException)
        {
            await Problem(context, StatusCodes.Status503ServiceUnavailable, "The room service is unavailable; retry shortly.");
            return;
        }

        var offered = context.WebSockets.WebSocketRequestedProtocols;
        if (offered.Count > 0 && !offered.Contains(Subprotocols.Live))
        {
            await Problem(context, StatusCodes.Status400BadRequest,
                $"Offer the subprotocol '{Subprotocols.Live}' (with '{Subprotocols.TokenPrefix}<jwt>' beside it to pass a token), or none.");
            return;
        }

        var settings = options.Value;
        if (settings.SocketSendBufferBytes > 0 && context.Features.Get<IConnectionSocketFeature>()?.Socket is { } tcp)
        {
            try
            {
                tcp.SendBufferSize = settings.SocketSendBufferBytes;
            }
            catch (Exception ex) when (ex is ObjectDisposedException or System.Net.Sockets.SocketException)
            {
                // The client went away during its upgrade (a reconnect attempt it gave up on): nobody to answer.
                return;
            }
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
        {
            SubProtocol = offered.Count > 0 ? Subprotocols.Live : null,
            KeepAliveInterval = TimeSpan.Zero,
        });
        var connection = new EdgeConnection(socket, context.Abort, identity, roomId, format.Value, settings, metrics, relay, passes);
        metrics.ConnectionOpened();
        var (room, firstConnection, firstOfUser) = registry.Join(connection);
        if (lifetime.ApplicationStopping.IsCancellationRequested)
        {
            // Upgraded while the shutdown's close of every registered connection ran: it may not have seen this one.
            connection.RequestClose(CloseCodes.GoingAway, "edge shutting down; reconnect with last_seq");
        }

        if (firstConnection)
        {
            relay.Subscribe(roomId);
        }

        if (firstOfUser)
        {
            viewers.Record(roomId, identity.UserId, join: true);
        }

        var logger = loggers.CreateLogger("Live.Edge.Connections");
        // Guests get no user messages: they have no inbox.
        var inbox = identity.IsGuest ? null : inboxes.Create(connection);
        if (inbox is not null)
        {
            connection.UserAcks = inbox;
            if (users.Add(connection, inbox))
            {
                relay.AnnounceUser(identity.UserId);
            }
        }

        var receive = connection.ReceiveLoopAsync();
        try
        {
            await StartAsync(connection, room, lastSeq, epoch, relay, settings, logger);
            if (inbox is not null && connection.CloseCode == 0)
            {
                // After the resume frame: the unacked messages from the store first, then live ones. Not awaited: the
                // listing may wait its turn (Inbox:MaxConcurrentLists) behind thousands of others after a restart,
                // and a connection that closes meanwhile must not be held open by it.
                _ = inbox.StartAsync(users.Routed(identity.UserId), TimeSpan.FromMilliseconds(settings.SubscribeTimeoutMs));
            }

            // The receive loop ends only once the connection is closing, so the send loop has the close frame to write.
            await receive;
            await connection.SendLoopAsync();
        }
        finally
        {
            if (inbox is not null && users.Remove(connection))
            {
                relay.WithdrawUser(identity.UserId);
            }

            var (roomEmpty, lastOfUser) = registry.Leave(connection);
            if (roomEmpty)
            {
                relay.Unsubscribe(roomId);
            }

            if (lastOfUser)
            {
                viewers.Record(roomId, identity.UserId, join: false);
            }

            metrics.ConnectionClosed(connection.CloseCode);
            Log.ConnectionClosed(logger, connection.Id, identity.UserId, roomId, connection.CloseCode, connection.CloseReason);
        }
    }

    /// <summary>Waits for the room's subscription, replays history after last_seq (in its epoch) if asked, then goes live.</summary>
    private static async Task StartAsync(EdgeConnection connection, LocalRoom room, long? lastSeq, long? epoch, RelayClient relay, EdgeOptions settings,
        ILogger logger)
    {
        StreamPosition subscribed;
        try
        {
            subscribed = await room.Subscribed.WaitAsync(TimeSpan.FromMilliseconds(settings.SubscribeTimeoutMs));
        }
        catch (TimeoutException)
        {
            connection.SendError(ErrorCode.Unavailable, "message service unavailable; reconnect shortly");
            connection.RequestClose(1013, "try again later");
            return;
        }

        var start = connection.Joined ?? subscribed;
        if (lastSeq is { } after)
        {
            start = await HistoryReplay.RunAsync(connection, new StreamPosition(after, epoch ?? 0), epoch is not null, start, relay, settings, logger);
        }

        connection.GoLive(start.Seq, start.Epoch);
    }

    private static ClientFormat? ParseFormat(string? format, string? compress)
    {
        var zstd = compress switch
        {
            null or "" or "none" => false,
            "zstd" => true,
            _ => (bool?)null,
        };
        return (format, zstd) switch
        {
            (_, null) => null,
            (null or "" or "binary", true) => ClientFormat.BinaryZstd,
            (null or "" or "binary", false) => ClientFormat.Binary,
            ("json", _) => ClientFormat.Json,
            _ => null,
        };
    }

    private static Task Problem(HttpContext context, int status, string detail) =>
        Results.Problem(detail: detail, statusCode: status).ExecuteAsync(context);
}
