using Live.MessageService.Inbox.Data;
using Live.Moderation.Content;
using Live.ServiceDefaults.Grpc;
using Live.V1;
using Microsoft.Extensions.Options;

namespace Live.MessageService.Inbox;

/// <summary>The fields every send shares, checked once with a reason naming the field (INVALID_ARGUMENT).</summary>
public sealed class InboxRequestValidator(IOptions<InboxOptions> options)
{
    public InboxDraft Validate(InboxKind kind, long fromUserId, string fromUserName, string content, long roomId, long durationSeconds, string idempotencyKey)
    {
        if (kind is not (InboxKind.System or InboxKind.Moderation or InboxKind.Whisper or InboxKind.Follow))
        {
            RpcErrors.InvalidArgument($"kind must be INBOX_KIND_SYSTEM, _MODERATION, _WHISPER or _FOLLOW; got {kind}.");
        }

        if (idempotencyKey.Length is 0 or > InboxDbContext.MaxKeyLength)
        {
            RpcErrors.InvalidArgument($"idempotency_key is required, 1..{InboxDbContext.MaxKeyLength} characters; got {idempotencyKey.Length}.");
        }

        if (string.IsNullOrWhiteSpace(content))
        {
            RpcErrors.InvalidArgument("content must not be empty.");
        }

        var max = options.Value.MaxContentLength;
        if (content.Length > max && ContentRules.CountScalars(content) > max)
        {
            RpcErrors.InvalidArgument($"content is longer than {max} characters.");
        }

        if (fromUserName.Length > InboxDbContext.MaxNameLength)
        {
            RpcErrors.InvalidArgument($"from_user_name must be at most {InboxDbContext.MaxNameLength} characters; got {fromUserName.Length}.");
        }

        if (fromUserId < 0 || roomId < 0 || durationSeconds < 0)
        {
            RpcErrors.InvalidArgument($"from_user_id, room_id and duration_seconds must not be negative; got {fromUserId}, {roomId}, {durationSeconds}.");
        }

        return new InboxDraft(kind, fromUserId, fromUserName, content, roomId, durationSeconds, idempotencyKey);
    }
}
