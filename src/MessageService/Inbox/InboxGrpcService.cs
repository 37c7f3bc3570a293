using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Grpc.Core;
using Live.MessageService.Grpc;
using Live.Protocol;
using Live.ServiceDefaults.Grpc;
using Live.ServiceDefaults.Identity;
using Live.V1;
using Microsoft.Extensions.Options;

namespace Live.MessageService.Inbox;

/// <summary>
/// InboxService (protos/live/v1/inbox.proto). Services and admins send any kind for any sender; a signed-in
/// user only whispers, as themself, through <see cref="WhisperGate"/>. A user reads and marks only their own
/// inbox. Refusals carry the reason code in the `live-reason` trailer, as refused Publish calls do.
/// </summary>
public sealed class InboxGrpcService(
    InboxStore store,
    InboxReader reader,
    InboxRequestValidator validator,
    WhisperGate whispers,
    RecipientDirectory recipients,
    InboxMetrics metrics,
    IOptions<InboxOptions> options) : InboxService.InboxServiceBase
{
    public const int DefaultListLimit = 50;
    public const int MaxListLimit = 200;

    public override async Task<SendToUserResponse> SendToUser(SendToUserRequest request, ServerCallContext context)
    {
        var caller = context.RequireSignedIn();
        RpcErrors.RequirePositiveId(request.UserId, "user_id");
        var draft = validator.Validate(request.Kind, request.FromUserId, request.FromUserName, request.Content, request.RoomId, request.DurationSeconds, request.IdempotencyKey);
        if (!caller.IsPrivileged)
        {
            draft = await JudgeWhisperAsync(caller, request.UserId, draft, context);
        }

        if (draft.Kind == InboxKind.Whisper && draft.FromUserId <= 0)
        {
            RpcErrors.InvalidArgument("a whisper needs from_user_id, its sender.");
        }

        if (draft.Kind == InboxKind.Whisper && draft.FromUserId == request.UserId)
        {
            RpcErrors.InvalidArgument("a whisper goes to another user, not to its sender.");
        }

        if (!await recipients.ExistsAsync(request.UserId, context.CancellationToken))
        {
            Refuse(RejectReason.UserNotFound, $"user {request.UserId} does not exist.");
        }

        var result = await store.SendAsync([request.UserId], draft, requireAcceptsWhispers: draft.Kind == InboxKind.Whisper, context.CancellationToken);
        if (result.Status == InboxSendStatus.WhispersOff)
        {
            Refuse(RejectReason.WhispersOff, $"user {request.UserId} does not accept whispers.");
        }

        var delivery = result.Deliveries[0];
        metrics.Sent(draft.Kind, delivery.Duplicate ? 0 : 1, delivery.Duplicate ? 1 : 0);
        return new SendToUserResponse { Seq = delivery.Seq, CreatedMs = delivery.CreatedMs, Duplicate = delivery.Duplicate };
    }

    public override async Task<SendToUsersResponse> SendToUsers(SendToUsersRequest request, ServerCallContext context)
    {
        context.RequirePrivileged();
        var max = options.Value.MaxRecipientsPerCall;
        if (request.UserIds.Count is 0 || request.UserIds.Count > max)
        {
            RpcErrors.InvalidArgument($"user_ids must name 1..{max} users; got {request.UserIds.Count}.");
        }

        var distinct = new HashSet<long>(request.UserIds.Count);
        for (var i = 0; i < request.UserIds.Count; i++)
        {
            RpcErrors.RequirePositiveId(request.UserIds[i], $"user_ids[{i}]");
            if (!distinct.Add(request.UserIds[i]))
            {
                RpcErrors.InvalidArgument($"user_ids[{i}] repeats user {request.UserIds[i]}; each recipient once.");
            }
        }

        var draft = validator.Validate(request.Kind, request.FromUserId, request.FromUserName, request.Content, request.RoomId, 0, request.IdempotencyKey);
        if (draft.Kind == InboxKind.Whisper)
        {
            RpcErrors.InvalidArgument("whispers go to one user at a time (SendToUser).");
        }

        var result = await store.SendAsync(distinct, draft, requireAcceptsWhispers: false, context.CancellationToken);
        var stored = result.Deliveries.Count(d => !d.Duplicate);
        metrics.Sent(draft.Kind, stored, result.Deliveries.Count - stored);
        return new SendToUsersResponse { Stored = stored };
    }

    public override Task<ListInboxResponse> ListInbox(ListInboxRequest request, ServerCallContext context)
    {
        var userId = OwnInbox(request.UserId, context);
        if (request.AfterSeq < 0)
        {
            RpcErrors.InvalidArgument($"after_seq must not be negative; got {request.AfterSeq}.");
        }

        if (request.Limit is < 0 or > MaxListLimit)
        {
            RpcErrors.InvalidArgument($"limit must be 1..{MaxListLimit} (0 for {DefaultListLimit}); got {request.Limit}.");
        }

        return reader.ListAsync(userId, request.AfterSeq, request.Limit == 0 ? DefaultListLimit : request.Limit, context.CancellationToken);
    }

    public override Task<MarkReadResponse> MarkRead(MarkReadRequest request, ServerCallContext context)
    {
        var userId = OwnInbox(request.UserId, context);
        if (request.Seq < 0)
        {
            RpcErrors.InvalidArgument($"seq must not be negative; got {request.Seq}.");
        }

        return reader.MarkReadAsync(userId, request.Seq, context.CancellationToken);
    }

    public override Task<InboxSettings> SetInboxSettings(SetInboxSettingsRequest request, ServerCallContext context) =>
        reader.SetSettingsAsync(OwnInbox(request.UserId, context), request.AcceptWhispers, context.CancellationToken);

    public override Task<InboxSettings> GetInboxSettings(GetInboxSettingsRequest request, ServerCallContext context) =>
        reader.GetSettingsAsync(OwnInbox(request.UserId, context), context.CancellationToken);

    /// <summary>The inbox a call may touch: a user's own (user_id 0 or theirs), any for services and admins.</summary>
    private static long OwnInbox(long requested, ServerCallContext context)
    {
        var userId = context.RequireSignedIn().ActingFor(requested, "user_id");
        RpcErrors.RequirePositiveId(userId, "user_id");
        return userId;
    }

    private async Task<InboxDraft> JudgeWhisperAsync(CallerIdentity caller, long recipient, InboxDraft draft, ServerCallContext context)
    {
        if (draft.Kind != InboxKind.Whisper)
        {
            RpcErrors.PermissionDenied($"users send only INBOX_KIND_WHISPER; {draft.Kind} comes from services and admins.");
        }

        var sender = caller.ActingFor(draft.FromUserId, "from_user_id");
        if (sender == recipient)
        {
            RpcErrors.InvalidArgument("a whisper goes to another user, not to its sender.");
        }

        var verdict = await whispers.CheckAsync(sender, draft.Content, ProxyClientAddress.Of(context.GetHttpContext().Request), context.CancellationToken);
        if (!verdict.Accepted)
        {
            Refuse(verdict.Reason, verdict.Detail, verdict.RetryAfter);
        }

        // The name shown is the one in the caller's token, never one the request made up.
        return draft with { FromUserId = sender, FromUserName = caller.Name, Content = verdict.Content };
    }

    [DoesNotReturn]
    private void Refuse(RejectReason reason, string detail, TimeSpan? retryAfter = null)
    {
        var refusal = RejectReasonTable.Of(reason);
        metrics.Refused(refusal.Name);
        var trailers = new Metadata { { MessageGrpcService.ReasonTrailer, refusal.Name } };
        if (retryAfter is { } retry)
        {
            trailers.Add(MessageGrpcService.RetryAfterTrailer, ((long)Math.Ceiling(retry.TotalMilliseconds)).ToString(CultureInfo.InvariantCulture));
        }

        throw new RpcException(new Status(refusal.Status, detail), trailers);
    }
}
