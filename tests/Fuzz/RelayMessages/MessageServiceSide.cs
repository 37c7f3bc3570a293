using System.Net;
using Live.MessageService;
using Live.MessageService.Ingest;
using Live.MessageService.Relay;
using Live.Moderation;
using Live.Moderation.Pipeline;
using Live.Moderation.Content;
using Live.V1;
using Microsoft.Extensions.Options;

namespace Live.Fuzz.RelayMessages;

/// <summary>
/// A RelayUp through what MessageService does with it before Redis is involved (src/MessageService/Grpc/
/// MessageGrpcService.Relay and RelayIngest.EnqueueAsync): a client message becomes an IncomingMessage (its client
/// address read from bytes), its trace context is parsed into the ingest span, and it meets the ingest steps that
/// read only the message: the shape check and moderation's content rules. Room and user ids are only stored.
/// </summary>
public static class MessageServiceSide
{
    private static readonly MessageShape Shape = new(Options.Create(new MessageOptions()));
    private static readonly ContentRules Rules = new(Options.Create(new ModerationOptions()));

    public static void Interpret(RelayUp up)
    {
        switch (up.KindCase)
        {
            case RelayUp.KindOneofCase.Message:
                Ingest(up.Message);
                break;
            case RelayUp.KindOneofCase.Subscribe:
                _ = up.Subscribe.RoomId;
                break;
            case RelayUp.KindOneofCase.Unsubscribe:
                _ = up.Unsubscribe.RoomId;
                break;
            case RelayUp.KindOneofCase.UserOnline:
                _ = up.UserOnline.UserId;
                break;
            case RelayUp.KindOneofCase.UserOffline:
                _ = up.UserOffline.UserId;
                break;
        }
    }

    private static void Ingest(ClientMessage message)
    {
        // RelayIngest.AddressOf: 4 or 16 bytes are an address, anything else none.
        var address = message.ClientIp.Length is 4 or 16 ? new IPAddress(message.ClientIp.Span) : null;
        var incoming = new IncomingMessage(message.RoomId, message.Kind, message.UserId, message.UserName, message.Content, message.Color,
            message.ConnectionId, MessageOrigin.Viewer, message.UserLevel, address);
        var activity = IngestTracing.StartRelayed(message.Traceparent);
        var shape = Shape.CheckAsync(incoming, CancellationToken.None).Result;
        var content = Rules.Check(incoming.Content, incoming.Color.Length == 0 ? null : incoming.Color);
        var verdict = !shape.IsAccepted || content == ModerationReason.None
            ? shape
            : IngestVerdict.Reject(RejectReason.InvalidContent, $"content refused: {content}");
        IngestTracing.Stop(activity, Task.FromResult(new IngestResult(verdict.IsAccepted ? 1 : 0, 0, verdict)));
    }
}
