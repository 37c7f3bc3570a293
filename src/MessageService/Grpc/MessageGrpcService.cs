using System.Threading.Channels;
using Grpc.Core;
using Live.MessageService.Fanout;
using Live.MessageService.History;
using Live.MessageService.Ingest;
using Live.MessageService.Relay;
using Live.MessageService.Telemetry;
using Live.ServiceDefaults.Grpc;
using Live.ServiceDefaults.Identity;
using Live.V1;
using Microsoft.Extensions.Options;

namespace Live.MessageService.Grpc;

public sealed class MessageGrpcService(
    IngestPipeline ingest,
    RoomHub hub,
    HistoryReader history,
    IOptions<MessageOptions> options,
    MessageMetrics metrics,
    IHostApplicationLifetime lifetime,
    ILogger<MessageGrpcService> logger) : Live.V1.MessageService.MessageServiceBase
{
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

        // Client messages are pipelined: each is started at once (Redis keeps the order of commands sent on
        // its connection) and completed in order by one loop that reports rejections back down.
        var inFlight = Channel.CreateBounded<PendingIngest>(new BoundedChannelOptions(settings.MaxInFlightPerStream) { SingleReader = true, SingleWriter = true });
        var writer = session.RunWriterAsync(responseStream);
        var completer = CompleteIngestsAsync(inFlight.Reader, session);
        var rooms = 0;
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
                        var message = up.Message;
                        var incoming = new IncomingMessage(message.RoomId, message.Kind, message.UserId, message.UserName, message.Content, message.Color, message.ConnectionId);
                        await inFlight.Writer.WriteAsync(new PendingIngest(incoming, ingest.IngestAsync(incoming, session.Aborted)), session.Aborted);
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
            inFlight.Writer.TryComplete();
            rooms = session.Rooms.Count;
            await hub.ReleaseAsync(session);
            await completer;
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
        if (caller.IsUser && !caller.IsAdmin)
        {
            if (request.Kind != MessageKind.Danmaku)
            {
                RpcErrors.PermissionDenied("gifts and system messages are published by services, not by users.");
            }

            userName = caller.Name;
        }

        var result = await ingest.IngestAsync(
            new IncomingMessage(request.RoomId, request.Kind, userId, userName, request.Content, request.Color, 0),
            context.CancellationToken);
        if (!result.IsAccepted)
        {
            ThrowRejected(result.Verdict);
        }

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

        return history.ReadAsync(request.RoomId, request.AfterSeq, request.Limit == 0 ? HistoryReader.DefaultLimit : request.Limit);
    }

    private static async Task CompleteIngestsAsync(ChannelReader<PendingIngest> pending, EdgeSession session)
    {
        await foreach (var item in pending.ReadAllAsync(CancellationToken.None))
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

            if (!result.IsAccepted && item.Message.ConnectionId != 0)
            {
                session.Enqueue(new RelayDown
                {
                    Rejected = new MessageRejected
                    {
                        ConnectionId = item.Message.ConnectionId,
                        RoomId = item.Message.RoomId,
                        Reason = result.Verdict.Reason,
                        Detail = result.Verdict.Detail ?? string.Empty,
                    },
                });
            }
        }
    }

    private static void ThrowRejected(IngestVerdict verdict)
    {
        var detail = verdict.Detail ?? "rejected.";
        switch (verdict.Reason)
        {
            case RejectReason.RoomNotFound:
                RpcErrors.NotFound(detail);
                break;
            case RejectReason.RoomNotLive:
                RpcErrors.FailedPrecondition(detail);
                break;
            case RejectReason.Unavailable:
                RpcErrors.Unavailable(detail);
                break;
            case RejectReason.RateLimited:
                throw new RpcException(new Status(StatusCode.ResourceExhausted, detail));
            case RejectReason.NotAllowed:
                throw new RpcException(new Status(StatusCode.PermissionDenied, detail));
            default:
                RpcErrors.InvalidArgument(detail);
                break;
        }
    }

    private readonly record struct PendingIngest(IncomingMessage Message, ValueTask<IngestResult> Result);
}
