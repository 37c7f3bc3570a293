using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Threading.Channels;
using Google.Protobuf;
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

        // Client messages are pipelined: each is started at once (Redis keeps the order of commands sent on
        // its connection) and completed in order by one loop that reports rejections back down. Messages of one
        // connection are ingested one after the other: checks may wait (room status, Redis), and a sender's
        // messages must reach moderation (rate, duplicates) and the seq in the order they were sent.
        var inFlight = Channel.CreateBounded<PendingIngest>(new BoundedChannelOptions(settings.MaxInFlightPerStream) { SingleReader = true, SingleWriter = true });
        var unfinished = new ConcurrentDictionary<long, Task<IngestResult>>();
        var writer = session.RunWriterAsync(responseStream);
        var completer = CompleteIngestsAsync(inFlight.Reader, session, unfinished);
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
                        var message = up.Message;
                        var incoming = new IncomingMessage(message.RoomId, message.Kind, message.UserId, message.UserName, message.Content, message.Color,
                            message.ConnectionId, MessageOrigin.Viewer, message.UserLevel, AddressOf(message.ClientIp));
                        var activity = IngestTracing.StartRelayed(message.Traceparent);
                        var started = StartInOrder(incoming, unfinished, session.Aborted);
                        Activity.Current = null;
                        await inFlight.Writer.WriteAsync(new PendingIngest(incoming, started, activity), session.Aborted);
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

        return history.ReadAsync(request.RoomId, request.AfterSeq, request.Limit == 0 ? HistoryReader.DefaultLimit : request.Limit);
    }

    /// <summary>Starts the message's ingest now, or when the connection's previous message is through (<paramref name="unfinished"/>).</summary>
    private Task<IngestResult> StartInOrder(IncomingMessage message, ConcurrentDictionary<long, Task<IngestResult>> unfinished, CancellationToken cancellationToken)
    {
        var started = unfinished.TryGetValue(message.ConnectionId, out var previous)
            ? AfterAsync(previous, message, cancellationToken)
            : ingest.IngestAsync(message, cancellationToken).AsTask();
        if (!started.IsCompleted)
        {
            unfinished[message.ConnectionId] = started;
        }

        return started;
    }

    private async Task<IngestResult> AfterAsync(Task<IngestResult> previous, IncomingMessage message, CancellationToken cancellationToken)
    {
        await ((Task)previous).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        return await ingest.IngestAsync(message, cancellationToken);
    }

    private static async Task CompleteIngestsAsync(ChannelReader<PendingIngest> pending, EdgeSession session, ConcurrentDictionary<long, Task<IngestResult>> unfinished)
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

    private static IPAddress? AddressOf(ByteString ip) => ip.Length is 4 or 16 ? new IPAddress(ip.Span) : null;

    /// <summary>The status of a refusal, with the reason code (and when to retry) as trailers for programs.</summary>
    [DoesNotReturn]
    private static void ThrowRejected(IngestVerdict verdict)
    {
        var code = verdict.Reason switch
        {
            RejectReason.RoomNotFound => StatusCode.NotFound,
            RejectReason.RoomNotLive => StatusCode.FailedPrecondition,
            RejectReason.Unavailable => StatusCode.Unavailable,
            RejectReason.RateLimited or RejectReason.Flooding or RejectReason.SlowMode or RejectReason.Duplicate or RejectReason.DuplicateInRoom
                => StatusCode.ResourceExhausted,
            RejectReason.NotAllowed or RejectReason.Banned or RejectReason.IpBanned or RejectReason.TimedOut => StatusCode.PermissionDenied,
            _ => StatusCode.InvalidArgument,
        };
        var trailers = new Metadata { { ReasonTrailer, RejectReasons.Code(verdict.Reason) } };
        if (verdict.RetryAfter is { } retry)
        {
            trailers.Add(RetryAfterTrailer, ((long)Math.Ceiling(retry.TotalMilliseconds)).ToString(CultureInfo.InvariantCulture));
        }

        throw new RpcException(new Status(code, verdict.Detail ?? "rejected."), trailers);
    }

    private readonly record struct PendingIngest(IncomingMessage Message, Task<IngestResult> Result, Activity? Activity);
}
