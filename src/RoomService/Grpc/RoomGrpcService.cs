using Grpc.Core;
using Live.RoomService.Rooms;
using Live.RoomService.Telemetry;
using Live.RoomService.Viewers;
using Live.ServiceDefaults.Grpc;
using Live.ServiceDefaults.Identity;
using Live.V1;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Live.RoomService.Grpc;

public sealed class RoomGrpcService(
    RoomStore store,
    RoomCache cache,
    RoomReadCache reads,
    IServiceScopeFactory scopes,
    ViewerStore viewers,
    RoomValidator validate,
    IOptions<RoomOptions> options,
    ILogger<RoomGrpcService> logger) : Live.V1.RoomService.RoomServiceBase
{
    public override async Task<Room> CreateRoom(CreateRoomRequest request, ServerCallContext context)
    {
        // An anchor opens rooms as themselves (0 means "me"); admins and internal callers name the anchor.
        var caller = context.RequireSignedIn();
        RequireAnchorRole(caller, "open a room");
        var anchorUserId = caller.ActingFor(request.AnchorUserId, "anchor_user_id");
        RpcErrors.RequirePositiveId(anchorUserId, "anchor_user_id");
        var title = validate.Title(request.Title);
        var cover = validate.CoverUrl(request.CoverUrl);
        var category = validate.Category(request.Category);
        var room = await store.CreateAsync(anchorUserId, title, cover, category, context.CancellationToken);
        await StoreChangedAsync(room);
        return room;
    }

    public override Task<Room> GetRoom(GetRoomRequest request, ServerCallContext context)
    {
        RpcErrors.RequirePositiveId(request.RoomId, "room_id");
        return reads.GetRoomAsync(request.RoomId, static (id, service) => service.LoadRoomWithCountAsync(id), this).AsTask();
    }

    public override async Task<Room> UpdateRoom(UpdateRoomRequest request, ServerCallContext context)
    {
        RpcErrors.RequirePositiveId(request.RoomId, "room_id");
        if (request.ExpectedVersion < 0)
        {
            RpcErrors.InvalidArgument($"expected_version must not be negative; got {request.ExpectedVersion}.");
        }

        await RequireAnchorOrAdminAsync(request.RoomId, "change a room", context);

        var title = request.HasTitle ? validate.Title(request.Title) : null;
        var cover = request.HasCoverUrl ? validate.CoverUrl(request.CoverUrl) : null;
        var category = request.HasCategory ? validate.Category(request.Category) : null;
        var room = await store.UpdateAsync(request.RoomId, request.ExpectedVersion, title, cover, category, context.CancellationToken);
        await StoreChangedAsync(room);
        return room;
    }

    public override async Task<ListRoomsResponse> ListRooms(ListRoomsRequest request, ServerCallContext context)
    {
        if (!Enum.IsDefined(request.Status))
        {
            RpcErrors.InvalidArgument($"status {(int)request.Status} is not a RoomStatus.");
        }

        var category = string.IsNullOrEmpty(request.Category) ? null : validate.Category(request.Category);
        return await reads.ListAsync(request, static (r, s) => s.Service.LoadPageAsync(r, s.Category), (Service: this, Category: category));
    }

    public override async Task<Room> StartLive(StartLiveRequest request, ServerCallContext context)
    {
        RpcErrors.RequirePositiveId(request.RoomId, "room_id");
        await RequireAnchorOrAdminAsync(request.RoomId, "go live", context);
        var room = await store.StartLiveAsync(request.RoomId, context.CancellationToken);

        // The room is live in MySQL even if Redis is unreachable now; the first join restores the marker.
        await BestEffortAsync(viewers.BeginBroadcastAsync, room.Id, "starting");
        await StoreChangedAsync(room);
        return room;
    }

    public override async Task<Room> StopLive(StopLiveRequest request, ServerCallContext context)
    {
        RpcErrors.RequirePositiveId(request.RoomId, "room_id");
        await RequireAnchorOrAdminAsync(request.RoomId, "end a broadcast", context);
        // Ending a broadcast must not depend on Redis; if it is unreachable the peak is unknown and recorded as 0.
        long peak = 0;
        await BestEffortAsync(async id => peak = (await viewers.GetCountsAsync(id)).Peak, request.RoomId, "reading the peak of");

        var room = await store.StopLiveAsync(request.RoomId, peak, context.CancellationToken);
        await BestEffortAsync(viewers.EndBroadcastAsync, room.Id, "stopping");
        await StoreChangedAsync(room);
        return room;
    }

    public override async Task<ViewerCount> JoinRoom(JoinRoomRequest request, ServerCallContext context)
    {
        RpcErrors.RequirePositiveId(request.RoomId, "room_id");
        var userId = context.RequireSignedIn().ActingFor(request.UserId, "user_id");
        RpcErrors.RequirePositiveId(userId, "user_id");
        var counts = await viewers.JoinAsync(request.RoomId, userId);
        if (counts.Viewers == ViewerStore.NotLive)
        {
            var outcome = await RecoverNotLiveAsync(request.RoomId, context.CancellationToken);
            if (outcome == ViewerChangeOutcome.RoomNotFound)
            {
                RpcErrors.NotFound($"room {request.RoomId} does not exist.");
            }

            if (outcome == ViewerChangeOutcome.RoomNotLive)
            {
                RpcErrors.FailedPrecondition($"room {request.RoomId} is not live; viewers can join only while it is.");
            }

            counts = await viewers.JoinAsync(request.RoomId, userId);
        }

        return new ViewerCount { RoomId = request.RoomId, Viewers = counts.Viewers, PeakViewers = counts.Peak };
    }

    public override async Task<ViewerCount> LeaveRoom(LeaveRoomRequest request, ServerCallContext context)
    {
        RpcErrors.RequirePositiveId(request.RoomId, "room_id");
        var userId = context.RequireSignedIn().ActingFor(request.UserId, "user_id");
        RpcErrors.RequirePositiveId(userId, "user_id");
        var counts = await viewers.LeaveAsync(request.RoomId, userId);
        return new ViewerCount { RoomId = request.RoomId, Viewers = counts.Viewers, PeakViewers = counts.Peak };
    }

    public override async Task<ViewerCount> GetViewerCount(GetViewerCountRequest request, ServerCallContext context)
    {
        RpcErrors.RequirePositiveId(request.RoomId, "room_id");
        await RequireRoomAsync(request.RoomId, context.CancellationToken);
        var counts = await viewers.GetCountsAsync(request.RoomId);
        return new ViewerCount { RoomId = request.RoomId, Viewers = counts.Viewers, PeakViewers = counts.Peak };
    }

    public override async Task<ApplyViewerChangesResponse> ApplyViewerChanges(ApplyViewerChangesRequest request, ServerCallContext context)
    {
        // Edge processes report for many users at once; through the Proxy only admins may.
        context.RequirePrivileged();
        var max = options.Value.MaxViewerChangesPerBatch;
        if (request.Changes.Count > max)
        {
            RpcErrors.InvalidArgument($"changes has {request.Changes.Count} entries; the maximum per call is {max}.");
        }

        var changes = new (long RoomId, long UserId, bool Join)[request.Changes.Count];
        for (var i = 0; i < changes.Length; i++)
        {
            var change = request.Changes[i];
            RpcErrors.RequirePositiveId(change.RoomId, $"changes[{i}].room_id");
            RpcErrors.RequirePositiveId(change.UserId, $"changes[{i}].user_id");
            changes[i] = (change.RoomId, change.UserId, change.Join);
        }

        var results = await viewers.ApplyAsync(changes);
        var outcomes = new ViewerChangeOutcome[changes.Length];
        Dictionary<long, ViewerChangeOutcome>? recovered = null;
        for (var i = 0; i < changes.Length; i++)
        {
            if (results[i].Viewers != ViewerStore.NotLive)
            {
                outcomes[i] = ViewerChangeOutcome.Applied;
                continue;
            }

            recovered ??= [];
            var roomId = changes[i].RoomId;
            if (!recovered.TryGetValue(roomId, out var outcome))
            {
                outcome = await RecoverNotLiveAsync(roomId, context.CancellationToken);
                recovered[roomId] = outcome;
            }

            if (outcome == ViewerChangeOutcome.Applied)
            {
                results[i] = await viewers.JoinAsync(roomId, changes[i].UserId);
            }

            outcomes[i] = outcome;
        }

        var response = new ApplyViewerChangesResponse();
        response.Outcomes.AddRange(outcomes);
        var latest = new Dictionary<long, ViewerStore.Counts>();
        for (var i = 0; i < changes.Length; i++)
        {
            if (outcomes[i] == ViewerChangeOutcome.Applied)
            {
                latest[changes[i].RoomId] = results[i];
            }
        }

        foreach (var (roomId, counts) in latest)
        {
            response.Counts.Add(new ViewerCount { RoomId = roomId, Viewers = counts.Viewers, PeakViewers = counts.Peak });
        }

        return response;
    }

    /// <summary>
    /// A join found no live marker: either the room is not live, or Redis lost the marker (a restart).
    /// The database decides; a live room gets its marker back.
    /// </summary>
    private async Task<ViewerChangeOutcome> RecoverNotLiveAsync(long roomId, CancellationToken ct)
    {
        var cached = await cache.GetOrLoadAsync(roomId, id => store.FindAsync(id, ct));
        if (cached is null)
        {
            return ViewerChangeOutcome.RoomNotFound;
        }

        if (cached.Status != RoomStatus.Live)
        {
            return ViewerChangeOutcome.RoomNotLive;
        }

        var current = await store.FindAsync(roomId, ct);
        if (current?.Status != RoomStatus.Live)
        {
            return current is null ? ViewerChangeOutcome.RoomNotFound : ViewerChangeOutcome.RoomNotLive;
        }

        await viewers.RestoreLiveMarkerAsync(roomId);
        return ViewerChangeOutcome.Applied;
    }

    /// <summary>Changing a room is for its anchor, who must still hold the anchor role; admins and internal callers may change any room.</summary>
    private async Task RequireAnchorOrAdminAsync(long roomId, string action, ServerCallContext context)
    {
        var caller = context.RequireSignedIn();
        if (caller.IsPrivileged)
        {
            return;
        }

        RequireAnchorRole(caller, action);
        var room = await RequireRoomAsync(roomId, context.CancellationToken);
        if (room.AnchorUserId != caller.UserId)
        {
            RpcErrors.PermissionDenied($"room {roomId} belongs to another anchor; only its anchor or an admin may change it.");
        }
    }

    /// <summary>
    /// Rooms are opened and run by users with the anchor role (user.proto's as_anchor); admins act for anchors
    /// and internal callers (no forwarded identity) are trusted as before.
    /// </summary>
    private static void RequireAnchorRole(CallerIdentity caller, string action)
    {
        if (!caller.IsPrivileged && !caller.HasRole(PlatformRoles.Anchor))
        {
            RpcErrors.PermissionDenied($"only anchors may {action}; {caller} does not have the anchor role (register with as_anchor, or ask an admin to grant it).");
        }
    }

    private async Task StoreChangedAsync(Room room)
    {
        await cache.StoreAsync(room);
        await reads.ChangedAsync(room.Id);
    }

    /// <remarks>
    /// Shared by the callers that miss together, so it outlives any one call: it runs in a scope of its own and
    /// without a caller's cancellation.
    /// </remarks>
    private async Task<Room> LoadRoomWithCountAsync(long roomId)
    {
        await using var scope = scopes.CreateAsyncScope();
        var loader = scope.ServiceProvider.GetRequiredService<RoomStore>();
        var room = await cache.GetOrLoadAsync(roomId, id => loader.FindAsync(id, CancellationToken.None));
        if (room is null)
        {
            RpcErrors.NotFound($"room {roomId} does not exist.");
        }

        var withCount = room.Clone();
        await FillViewerCountAsync(withCount);
        return withCount;
    }

    /// <remarks>Shared like <see cref="LoadRoomWithCountAsync"/>.</remarks>
    private async Task<ListRoomsResponse> LoadPageAsync(ListRoomsRequest request, string? category)
    {
        await using var scope = scopes.CreateAsyncScope();
        var loader = scope.ServiceProvider.GetRequiredService<RoomStore>();
        var (rooms, next) = await loader.ListAsync(request.Status.ToState(), category, request.Page, CancellationToken.None);
        await FillViewerCountsAsync(rooms);
        var response = new ListRoomsResponse { Page = new PageInfo { NextPageToken = next } };
        response.Rooms.AddRange(rooms);
        return response;
    }

    private async Task<Room> RequireRoomAsync(long roomId, CancellationToken ct)
    {
        var room = await cache.GetOrLoadAsync(roomId, id => store.FindAsync(id, ct));
        if (room is null)
        {
            RpcErrors.NotFound($"room {roomId} does not exist.");
        }

        return room;
    }

    private async Task FillViewerCountAsync(Room room)
    {
        if (room.Status != RoomStatus.Live)
        {
            room.ViewerCount = 0;
            return;
        }

        // Left unset when Redis is unreachable: the caller sees "unknown", never a made-up zero.
        await BestEffortAsync(async id => room.ViewerCount = (await viewers.GetCountsAsync(id)).Viewers, room.Id, "counting viewers of");
    }

    private async Task FillViewerCountsAsync(List<Room> rooms)
    {
        var live = rooms.FindAll(r => r.Status == RoomStatus.Live);
        foreach (var room in rooms)
        {
            if (room.Status != RoomStatus.Live)
            {
                room.ViewerCount = 0;
            }
        }

        if (live.Count == 0)
        {
            return;
        }

        try
        {
            var counts = await viewers.GetViewerCountsAsync(live.ConvertAll(r => r.Id));
            for (var i = 0; i < live.Count; i++)
            {
                live[i].ViewerCount = counts[i];
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Log.ViewerStoreUnavailable(logger, "counting viewers of", live[0].Id, ex);
        }
    }

    private async Task BestEffortAsync(Func<long, Task> viewerStoreCall, long roomId, string operation)
    {
        try
        {
            await viewerStoreCall(roomId);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Log.ViewerStoreUnavailable(logger, operation, roomId, ex);
        }
    }
}
