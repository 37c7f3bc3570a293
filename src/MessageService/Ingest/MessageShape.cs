using Live.V1;
using Microsoft.Extensions.Options;

namespace Live.MessageService.Ingest;

/// <summary>
/// What a message must be before anything else looks at it: a known kind and a bounded user name. The content
/// rules (length, colour, control characters) are moderation's, in <see cref="ModerationStep"/>: one set for
/// every message.
/// </summary>
public sealed class MessageShape(IOptions<MessageOptions> options) : IIngestStep
{
    private readonly int maxUserNameLength = options.Value.MaxUserNameLength;

    public ValueTask<IngestVerdict> CheckAsync(IncomingMessage message, CancellationToken cancellationToken)
    {
        if (message.Kind is not (MessageKind.Danmaku or MessageKind.Gift or MessageKind.System))
        {
            return new(IngestVerdict.Reject(RejectReason.InvalidContent, $"kind {(int)message.Kind} is not danmaku, gift or system."));
        }

        if (message.UserName.Length > maxUserNameLength)
        {
            return new(IngestVerdict.Reject(RejectReason.InvalidContent,
                $"user name has {message.UserName.Length} characters; the maximum is {maxUserNameLength}."));
        }

        return new(IngestVerdict.Accept);
    }
}
