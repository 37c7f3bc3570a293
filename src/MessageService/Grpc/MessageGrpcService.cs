using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Grpc.Core;
using Live.MessageService.Fanout;
using Live.MessageService.History;
using Live.MessageService.Inbox;
using Live.MessageService.Ingest;
using Live.MessageService.Relay;
using Live.MessageService.Telemetry;
using Live.Protocol;
using Live.ServiceDefaults.Grpc;
using Live.ServiceDefaults.Identity;
using Live.V1;
using Microsoft.Extensions.Options;

namespace Live.MessageService.Grpc;

public sealed class MessageGrpcService(
    IngestPipeline ingest,
    RoomHub hub,
    UserRoutes users,
    HistoryReader history,
    IOptions<MessageOptions> options,
    MessageMetrics metrics,
    IHostApplicationLifetime lifetime,
    ILogger<MessageGrpcService> logger) : Live.V1.MessageService.MessageServiceBase
{
    public const string ReasonTrailer = "live-reason";
    public const string RetryAfterTrailer = "retry-after-ms";

    public override async Task Relay(IAsyncStreamReader<RelayUp> requestStream, IServerStreamWriter<RelayDown> responseStream, ServerCallContext context)
    {
        if (!context.GetCaller().IsInternal)
        {
            // Client messages on a relay carry the identity the Edge established: only Edges may open one.
            RpcErrors.PermissionDenied("Relay is for Edge processes on the service network.");
        }

        var settings = options.Value;
        // A stopping node ends its relay streams at once, so Edges move their rooms elsewhere instead of waiting.
        using var session = new EdgeSession(settings.EdgeQueueCapacity, metrics, logger, context.CancellationToken, lifetime.ApplicationStopping);
        metrics.EdgeStreamOpened();
        Log.EdgeStreamOpened(logger, session.Id, context.Peer);

        // Headers at once: the Edge treats them as "connected" before anything else flows.
        await context.WriteResponseHeadersAsync([]);

        var ingests = new RelayIngest(ingest, session, settings.MaxInFlightPerStream);
        var writer = session.RunWriterAsync(responseStream);
        var reporter = ingests.ReportAsync();
        var rooms = 0;

        // The stream's own span lasts as long as the Edge's connection: messages are not its children. A
        // message joins a trace only when its client sent a trace context (ClientMessage.traceparent).
        Activity.Current = null;
        try
        {
            await foreach (var up in requestStream.ReadAllAsync(session.Aborted))
            {
                switch (up.KindCase)
                {
                    case RelayUp.KindOneofCase.Subscribe:
                        await hub.SubscribeAsync(session, up.Subscribe.RoomId);
                        break;
                    case RelayUp.KindOneofCase.Unsubscribe:
                        await hub.UnsubscribeAsync(session, up.Unsubscribe.RoomId);
                        break;
                    case RelayUp.KindOneofCase.Message:
                        await ingests.EnqueueAsync(up.Message);
                        break;
                    case RelayUp.KindOneofCase.UserOnline:
                        users.Online(session, up.UserOnline.UserId);
                        break;
                    case RelayUp.KindOneofCase.UserOffline:
                        users.Offline(session, up.UserOffline.UserId);
                        break;
                    case RelayUp.KindOneofCase.Audience when session.Rooms.Contains(up.Audience.RoomId):
                        session.ReportAudience(up.Audience.RoomId, up.Audience.Connections);
                        break;
                }
            }
        }
        catch (OperationCanceledException) when (session.Aborted.IsCancellationRequested)
        {
            // The Edge went away, the node is stopping, or this stream overflowed (reported below).
        }
        catch (IOException)
        {
            // The Edge reset the stream (it stopped or lost its connection); it reconnects on its own.
        }
        finally
        {
            ingests.Complete();
            rooms = session.Rooms.Count;
            users.Release(session);
            await hub.ReleaseAsync(session);
            await reporter;
            session.Complete();
            await writer;
            metrics.EdgeStreamClosed();
            Log.EdgeStreamClosed(logger, session.Id, rooms);
        }

        if (session.Overflowed)
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted, "This relay stream fell too far behind and was closed; reconnect and resubscribe."));
        }
    }

    public override async Task<PublishResponse> Publish(PublishRequest request, ServerCallContext context)
    {
        RpcErrors.RequirePositiveId(request.RoomId, "room_id");
        if (request.UserId < 0)
        {
            RpcErrors.InvalidArgument($"user_id must not be negative; got {request.UserId}.");
        }

        // Services, bots and admins publish anything as anyone; a signed-in user publishes danmaku as themself.
        var caller = context.RequireSignedIn();
        var userId = caller.ActingFor(request.UserId, "user_id");
        var userName = request.UserName;
        var origin = MessageOrigin.Service;
        if (caller.IsUser && !caller.IsAdmin)
        {
            if (request.Kind != MessageKind.Danmaku)
            {
                RpcErrors.PermissionDenied("gifts and system messages are published by services, not by users.");
            }

            userName = caller.Name;
            origin = MessageOrigin.Viewer;
        }

        var clientAddress = origin == MessageOrigin.Viewer ? ProxyClientAddress.Of(context.GetHttpContext().Request) : null;
        var result = await ingest.IngestAsync(
            new IncomingMessage(request.RoomId, request.Kind, userId, userName, request.Content, request.Color, 0, origin, caller.Level, clientAddress),
            context.CancellationToken);
        if (!result.IsAccepted)
        {
            ThrowRejected(result.Verdict);
        }

        // A shadow-banned user is answered as if the message went out (its seq is the room's latest).
        return new PublishResponse { Seq = result.Seq, TimestampMs = result.TimestampMs };
    }

    public override Task<GetHistoryResponse> GetHistory(GetHistoryRequest request, ServerCallContext context)
    {
        RpcErrors.RequirePositiveId(request.RoomId, "room_id");
        if (request.AfterSeq < 0)
        {
            RpcErrors.InvalidArgument($"after_seq must not be negative; got {request.AfterSeq}.");
        }

        if (request.Limit is < 0 or > HistoryReader.MaxLimit)
        {
            RpcErrors.InvalidArgument($"limit must be 1..{HistoryReader.MaxLimit} (0 for {HistoryReader.DefaultLimit}); got {request.Limit}.");
        }

        return history.ReadAsync(request.RoomId, request.AfterSeq, request.Limit == 0 ? HistoryReader.DefaultLimit : request.Limit, request.AsBatch);
    }

    /// <summary>The status of a refusal, with the reason code (and when to retry) as trailers for programs.</summary>
    [DoesNotReturn]
    private static void ThrowRejected(IngestVerdict verdict)
    {
        var refusal = RejectReasonTable.Of(verdict.Reason);
        var trailers = new Metadata { { ReasonTrailer, refusal.Name } };
        if (verdict.RetryAfter is { } retry)
        {
            trailers.Add(RetryAfterTrailer, ((long)Math.Ceiling(retry.TotalMilliseconds)).ToString(CultureInfo.InvariantCulture));
        }

        throw new RpcException(new Status(refusal.Status, verdict.Detail ?? "rejected."), trailers);
    }
}
