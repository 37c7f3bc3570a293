using Grpc.Core;
using Live.MessageService.Inbox;
using Live.MessageService.Ingest;
using Live.MessageService.Telemetry;
using Live.Moderation.Limits;
using Live.Moderation.Words;
using Live.ServiceDefaults.Grpc;
using Live.ServiceDefaults.Identity;
using Live.V1;
using LibraryWordAction = Live.Moderation.Words.WordAction;
using WordAction = Live.V1.WordAction;

namespace Live.MessageService.Admin;

/// <summary>
/// The moderation admin API (protos/live/v1/moderation.proto): room switches and timeouts through the
/// library's <see cref="RoomModerationControls"/>, word lists through its <see cref="WordStore"/> (whose
/// pub/sub notice reloads every node), message deletes and the rooms' rejection logs.
/// </summary>
public sealed class ModerationAdminService(
    RoomAuthority authority,
    RoomModerationControls controls,
    WordStore words,
    MessageDeleter deleter,
    RejectionLog rejections,
    ModerationNotices notices,
    MessageMetrics metrics,
    ILogger<ModerationAdminService> logger) : ModerationAdmin.ModerationAdminBase
{
    public const int MaxModeSeconds = 3_600;
    public const int MaxTimeoutSeconds = 7 * 24 * 3_600;
    public const int DefaultRejections = 50;
    public const int MaxRejections = 100;
    public const int DefaultWordPage = 100;
    public const int MaxReasonLength = 256;

    public override async Task<RoomModeration> SetSlowMode(SetSlowModeRequest request, ServerCallContext context)
    {
        var caller = await authority.RequireModeratorAsync(context, request.RoomId);
        RequireSeconds(request.IntervalSeconds, MaxModeSeconds, "interval_seconds");
        await controls.SetSlowModeAsync(request.RoomId, TimeSpan.FromSeconds(request.IntervalSeconds));
        Done(caller, "slow_mode", request.RoomId, request.IntervalSeconds == 0 ? "off" : $"{request.IntervalSeconds} s");
        return await ReadRoomAsync(request.RoomId);
    }

    public override async Task<RoomModeration> SetUniqueMode(SetUniqueModeRequest request, ServerCallContext context)
    {
        var caller = await authority.RequireModeratorAsync(context, request.RoomId);
        RequireSeconds(request.WindowSeconds, MaxModeSeconds, "window_seconds");
        await controls.SetUniqueModeAsync(request.RoomId, TimeSpan.FromSeconds(request.WindowSeconds));
        Done(caller, "unique_mode", request.RoomId, request.WindowSeconds == 0 ? "off" : $"{request.WindowSeconds} s");
        return await ReadRoomAsync(request.RoomId);
    }

    public override async Task<RoomModeration> GetRoomModeration(GetRoomModerationRequest request, ServerCallContext context)
    {
        await authority.RequireModeratorAsync(context, request.RoomId);
        return await ReadRoomAsync(request.RoomId);
    }

    public override async Task<TimeOutUserResponse> TimeOutUser(TimeOutUserRequest request, ServerCallContext context)
    {
        var caller = await authority.RequireModeratorAsync(context, request.RoomId);
        RpcErrors.RequirePositiveId(request.UserId, "user_id");
        if (request.DurationSeconds is < 1 or > MaxTimeoutSeconds)
        {
            RpcErrors.InvalidArgument($"duration_seconds must be 1..{MaxTimeoutSeconds}; got {request.DurationSeconds}.");
        }

        if (request.Reason.Length > MaxReasonLength)
        {
            RpcErrors.InvalidArgument($"reason must be at most {MaxReasonLength} characters; got {request.Reason.Length}.");
        }

        var before = await controls.GetTimeoutAsync(request.RoomId, request.UserId);
        await controls.TimeOutAsync(request.RoomId, request.UserId, TimeSpan.FromSeconds(request.DurationSeconds));
        var until = await controls.GetTimeoutAsync(request.RoomId, request.UserId);
        Done(caller, "timeout", request.RoomId, $"user {request.UserId} for {request.DurationSeconds} s");

        // After the timeout is in force: a failed notice fails the call, and the admin's retry (which the
        // notice's key recognises) sends it once.
        if (until is { } end)
        {
            await notices.TimedOutAsync(request.RoomId, request.UserId, request.DurationSeconds, request.Reason,
                ModerationNotices.EndOfTimeout(before, end), context.CancellationToken);
        }

        return new TimeOutUserResponse { UntilMs = until?.ToUnixTimeMilliseconds() ?? 0 };
    }

    public override async Task<LiftTimeoutResponse> LiftTimeout(LiftTimeoutRequest request, ServerCallContext context)
    {
        var caller = await authority.RequireModeratorAsync(context, request.RoomId);
        RpcErrors.RequirePositiveId(request.UserId, "user_id");
        var lifted = await controls.LiftTimeoutAsync(request.RoomId, request.UserId);
        Done(caller, "lift_timeout", request.RoomId, $"user {request.UserId} ({(lifted ? "lifted" : "had none")})");
        return new LiftTimeoutResponse { Lifted = lifted };
    }

    public override async Task<DeleteMessageResponse> DeleteMessage(DeleteMessageRequest request, ServerCallContext context)
    {
        var caller = await authority.RequireModeratorAsync(context, request.RoomId);
        RpcErrors.RequirePositiveId(request.Seq, "seq");
        if (!await deleter.DeleteAsync(request.RoomId, request.Seq))
        {
            RpcErrors.NotFound($"seq {request.Seq} is not in the history of room {request.RoomId} (never sent, deleted already, or older than the history keeps).");
        }

        Done(caller, "delete", request.RoomId, $"seq {request.Seq}");
        return new DeleteMessageResponse();
    }

    public override async Task<ListRejectionsResponse> ListRejections(ListRejectionsRequest request, ServerCallContext context)
    {
        await authority.RequireModeratorAsync(context, request.RoomId);
        if (request.Limit is < 0 or > MaxRejections)
        {
            RpcErrors.InvalidArgument($"limit must be 1..{MaxRejections} (0 for {DefaultRejections}); got {request.Limit}.");
        }

        var response = new ListRejectionsResponse();
        response.Rejections.AddRange(await rejections.ReadAsync(request.RoomId, request.Limit == 0 ? DefaultRejections : request.Limit));
        return response;
    }

    public override async Task<ModerationWord> AddWord(AddWordRequest request, ServerCallContext context)
    {
        var caller = await RequireListEditorAsync(context, request.RoomId);
        var action = request.Action switch
        {
            WordAction.Block => LibraryWordAction.Block,
            WordAction.Mask => LibraryWordAction.Mask,
            _ => Invalid<LibraryWordAction>($"action must be WORD_ACTION_BLOCK or WORD_ACTION_MASK; got {request.Action}."),
        };
        var change = await words.AddAsync(request.Word, action, RoomOrGlobal(request.RoomId), caller.ToString(), context.CancellationToken);
        ThrowUnlessDone(change);
        Done(caller, "add_word", request.RoomId, $"'{change.Entry!.Word}' ({request.Action})");
        return ToContract(change.Entry);
    }

    public override async Task<RemoveWordResponse> RemoveWord(RemoveWordRequest request, ServerCallContext context)
    {
        var caller = await RequireListEditorAsync(context, request.RoomId);
        ThrowUnlessDone(await words.RemoveAsync(request.Word, RoomOrGlobal(request.RoomId), context.CancellationToken));
        Done(caller, "remove_word", request.RoomId, $"'{request.Word}'");
        return new RemoveWordResponse();
    }

    public override async Task<ListWordsResponse> ListWords(ListWordsRequest request, ServerCallContext context)
    {
        await RequireListEditorAsync(context, request.RoomId);
        if (request.PageSize is < 0 or > WordStore.MaxPageSize)
        {
            RpcErrors.InvalidArgument($"page_size must be 1..{WordStore.MaxPageSize} (0 for {DefaultWordPage}); got {request.PageSize}.");
        }

        if (request.AfterId < 0)
        {
            RpcErrors.InvalidArgument($"after_id must not be negative; got {request.AfterId}.");
        }

        var page = await words.ListAsync(RoomOrGlobal(request.RoomId), request.AfterId, request.PageSize == 0 ? DefaultWordPage : request.PageSize, context.CancellationToken);
        var response = new ListWordsResponse();
        response.Words.AddRange(page.Select(ToContract));
        return response;
    }

    /// <summary>The global list is the admins'; a room's list is also its anchor's.</summary>
    private async Task<CallerIdentity> RequireListEditorAsync(ServerCallContext context, long roomId)
    {
        if (roomId < 0)
        {
            RpcErrors.InvalidArgument($"room_id must be a room id, or 0 for the global list; got {roomId}.");
        }

        return roomId == 0 ? context.RequirePrivileged() : await authority.RequireModeratorAsync(context, roomId);
    }

    private async Task<RoomModeration> ReadRoomAsync(long roomId)
    {
        var slow = await controls.GetSlowModeAsync(roomId);
        var unique = await controls.GetUniqueModeAsync(roomId);
        return new RoomModeration
        {
            RoomId = roomId,
            SlowModeSeconds = (int)(slow?.TotalSeconds ?? 0),
            UniqueWindowSeconds = (int)(unique?.TotalSeconds ?? 0),
        };
    }

    private void Done(CallerIdentity caller, string action, long roomId, string detail)
    {
        metrics.ModerationAction(action);
        Log.ModerationAction(logger, caller.ToString(), action, roomId, detail);
    }

    private static void RequireSeconds(int seconds, int max, string field)
    {
        if (seconds < 0 || seconds > max)
        {
            RpcErrors.InvalidArgument($"{field} must be 0..{max} (0 turns it off); got {seconds}.");
        }
    }

    private static long? RoomOrGlobal(long roomId) => roomId == 0 ? null : roomId;

    private static void ThrowUnlessDone(WordChange change)
    {
        switch (change.Status)
        {
            case WordChangeStatus.Done:
                return;
            case WordChangeStatus.AlreadyListed:
                RpcErrors.AlreadyExists(change.Error!);
                break;
            case WordChangeStatus.NotListed:
                RpcErrors.NotFound(change.Error!);
                break;
            case WordChangeStatus.ListFull:
                throw new RpcException(new Status(StatusCode.ResourceExhausted, change.Error!));
            default:
                RpcErrors.InvalidArgument(change.Error!);
                break;
        }
    }

    private static T Invalid<T>(string reason)
    {
        RpcErrors.InvalidArgument(reason);
        return default!;
    }

    private static ModerationWord ToContract(WordEntry entry) => new()
    {
        Id = entry.Id,
        Word = entry.Word,
        Action = entry.Action == LibraryWordAction.Mask ? WordAction.Mask : WordAction.Block,
        RoomId = entry.RoomId ?? 0,
        CreatedAtMs = new DateTimeOffset(DateTime.SpecifyKind(entry.CreatedAt, DateTimeKind.Utc)).ToUnixTimeMilliseconds(),
        CreatedBy = entry.CreatedBy,
    };
}
