using System.Globalization;
using Grpc.Core;
using Live.Edge.Identity;
using Live.Edge.Relay;
using Live.Edge.Rooms;
using Live.Edge.Telemetry;
using Live.Protocol;
using Live.ServiceClients.Rooms;
using Live.V1;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Options;

namespace Live.Edge.Connections;

/// <summary>
/// <c>/ws?room=&lt;id&gt;[&amp;last_seq=&lt;n&gt;][&amp;compress=zstd][&amp;format=json]</c>: checks the request before the
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
        IOptions<EdgeOptions> options,
        EdgeMetrics metrics,
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

        var format = ParseFormat(query["format"], query["compress"]);
        if (format is null)
        {
            await Problem(context, StatusCodes.Status400BadRequest, "'format' must be 'json' or 'binary'; 'compress' must be 'zstd' or 'none'.");
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

        var settings = options.Value;
        if (settings.SocketSendBufferBytes > 0 && context.Features.Get<IConnectionSocketFeature>()?.Socket is { } tcp)
        {
            tcp.SendBufferSize = settings.SocketSendBufferBytes;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { KeepAliveInterval = TimeSpan.Zero });
        var connection = new EdgeConnection(socket, context.Abort, identity, roomId, format.Value, settings, metrics, relay);
        metrics.ConnectionOpened();
        var (room, firstConnection, firstOfUser) = registry.Join(connection);
        if (firstConnection)
        {
            relay.Subscribe(roomId);
        }

        if (firstOfUser)
        {
            viewers.Record(roomId, identity.UserId, join: true);
        }

        var logger = loggers.CreateLogger("Live.Edge.Connections");
        var send = connection.SendLoopAsync();
        var receive = connection.ReceiveLoopAsync();
        try
        {
            await StartAsync(connection, room, lastSeq, relay, settings, logger);
            await Task.WhenAll(send, receive);
        }
        finally
        {
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

    /// <summary>Waits for the room's subscription, replays history after last_seq if asked, then goes live.</summary>
    private static async Task StartAsync(EdgeConnection connection, LocalRoom room, long? lastSeq, RelayClient relay, EdgeOptions settings, ILogger logger)
    {
        long subscribedSeq;
        try
        {
            subscribedSeq = await room.Subscribed.WaitAsync(TimeSpan.FromMilliseconds(settings.SubscribeTimeoutMs));
        }
        catch (TimeoutException)
        {
            connection.SendError(ErrorCode.Unavailable, "message service unavailable; reconnect shortly");
            connection.RequestClose(1013, "try again later");
            return;
        }

        var startAt = Math.Max(connection.JoinSeq, subscribedSeq);
        if (lastSeq is { } after)
        {
            startAt = await ReplayAsync(connection, after, subscribedSeq, relay, settings, logger);
        }

        connection.GoLive(startAt);
    }

    /// <returns>The last seq the client now has.</returns>
    private static async Task<long> ReplayAsync(EdgeConnection connection, long after, long subscribedSeq, RelayClient relay, EdgeOptions settings, ILogger logger)
    {
        var cursor = after;
        var replayed = 0;
        var first = true;
        while (replayed < settings.MaxReplayMessages)
        {
            GetHistoryResponse history;
            try
            {
                history = await relay.History.GetHistoryAsync(
                    new GetHistoryRequest { RoomId = connection.RoomId, AfterSeq = cursor, Limit = Math.Min(500, settings.MaxReplayMessages - replayed) },
                    deadline: DateTime.UtcNow.AddSeconds(5));
            }
            catch (RpcException ex)
            {
                Log.HistoryUnavailable(logger, connection.RoomId, $"{ex.StatusCode}: {ex.Status.Detail}");
                var resumeAt = Math.Max(cursor, subscribedSeq);
                if (resumeAt > cursor)
                {
                    NotRecovered(connection, resumeAt, "history is unavailable");
                }

                return resumeAt;
            }

            if (first)
            {
                first = false;
                if (after > history.LatestSeq)
                {
                    NotRecovered(connection, after, $"last_seq {after} is ahead of the room (latest {history.LatestSeq}); its history was reset");
                    return history.LatestSeq;
                }

                var oldestWanted = Math.Max(after + 1, history.LatestSeq - settings.MaxReplayMessages + 1);
                var oldestHeld = history.FirstAvailableSeq == 0 ? history.LatestSeq + 1 : history.FirstAvailableSeq;
                if (history.LatestSeq > after && Math.Max(oldestWanted, oldestHeld) > after + 1)
                {
                    var lostUpTo = Math.Max(oldestWanted, oldestHeld) - 1;
                    NotRecovered(connection, lostUpTo, $"messages {after + 1}..{lostUpTo} are no longer in the room history");
                    if (oldestWanted > oldestHeld)
                    {
                        // More was missed than a replay sends: skip to the newest part.
                        cursor = oldestWanted - 1;
                        continue;
                    }
                }
            }

            if (history.Messages.Count == 0)
            {
                break;
            }

            connection.SendOwn(EncodeReplay(connection.RoomId, history.Messages));
            cursor = history.Messages[^1].Seq;
            replayed += history.Messages.Count;
            if (cursor >= history.LatestSeq)
            {
                break;
            }
        }

        return cursor;
    }

    private static void NotRecovered(EdgeConnection connection, long lostUpTo, string reason) =>
        connection.SendOwn(OutgoingFrame.Control(FrameWriter.EncodeMessage(FrameType.NotRecovered, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            0, connection.RoomId, lostUpTo, null, reason, null)));

    private static OutgoingFrame EncodeReplay(long roomId, IReadOnlyList<RoomMessage> messages)
    {
        using var payload = new PooledBufferWriter(messages.Count * 96);
        foreach (var message in messages)
        {
            var type = message.Kind switch
            {
                MessageKind.Gift => FrameType.Gift,
                MessageKind.System => FrameType.System,
                _ => FrameType.Danmaku,
            };
            FrameWriter.WriteMessage(payload, type, message.TimestampMs, message.UserId, roomId, message.Seq, message.UserName, message.Content, message.Color);
        }

        var frame = BatchEncoder.EncodePlain(roomId, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), messages[0].Seq, messages[^1].Seq,
            messages.Count, 0, payload.WrittenSpan);
        return new OutgoingFrame(frame, default, messages[0].Seq, messages[^1].Seq, isBatch: true, hasPriority: true);
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
