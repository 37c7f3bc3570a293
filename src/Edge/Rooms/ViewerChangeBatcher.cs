using System.Threading.Channels;
using Grpc.Core;
using Live.Edge.Telemetry;
using Live.V1;
using Microsoft.Extensions.Options;

namespace Live.Edge.Rooms;

/// <summary>
/// Joins and leaves of signed-in viewers go to RoomService in batches (ApplyViewerChanges), not one call per
/// connection; the counts that come back, and a periodic refresh, feed the online-count frames. A failed
/// batch is retried as a whole; the queue behind it is bounded and overflow is counted.
/// RoomService keeps viewer sets in Redis, which can lose them (a restart without persistence, a failover):
/// a room whose count comes back below the signed-in users this Edge holds in it has its joins sent again,
/// and every room's are re-sent at <see cref="EdgeOptions.ViewerReconcileIntervalMs"/>; at most one call of
/// re-joins goes per flush interval.
/// </summary>
public sealed class ViewerChangeBatcher(
    RoomServiceClient rooms,
    RoomRegistry registry,
    IOptions<EdgeOptions> options,
    EdgeMetrics metrics,
    ILogger<ViewerChangeBatcher> logger) : BackgroundService
{
    private const int MaxPerCall = 1_000;

    private readonly Channel<ViewerChange> queue = Channel.CreateBounded<ViewerChange>(
        new BoundedChannelOptions(options.Value.ViewerQueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    /// <summary>
    /// Re-joins waiting to be sent, and the rooms they were taken from; touched by the loop only. Bounded by the
    /// signed-in connections of this Edge, since a room is snapshotted again only after its re-joins went out.
    /// </summary>
    private readonly Queue<ViewerChange> rejoins = new();
    private readonly HashSet<long> roomsBeingRestored = [];
    private readonly List<long> usersScratch = [];

    public void Record(long roomId, long userId, bool join)
    {
        if (userId <= 0)
        {
            // Guests are not in RoomService's viewer set (it holds signed-in users).
            return;
        }

        if (!queue.Writer.TryWrite(new ViewerChange { RoomId = roomId, UserId = userId, Join = join }))
        {
            metrics.ViewerChangeDropped();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(settings.ViewerFlushIntervalMs));
        var request = new ApplyViewerChangesRequest();
        var lastRefresh = DateTime.UtcNow;
        var lastReconcile = DateTime.UtcNow;
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                while (request.Changes.Count < MaxPerCall && queue.Reader.TryRead(out var change))
                {
                    request.Changes.Add(change);
                }

                if (request.Changes.Count > 0 && await TryApplyAsync(request, stoppingToken))
                {
                    request = new ApplyViewerChangesRequest();
                }

                if (DateTime.UtcNow - lastRefresh > TimeSpan.FromMilliseconds(settings.OnlineCountIntervalMs))
                {
                    lastRefresh = DateTime.UtcNow;
                    await RefreshCountsAsync(stoppingToken);
                }

                if (DateTime.UtcNow - lastReconcile > TimeSpan.FromMilliseconds(settings.ViewerReconcileIntervalMs))
                {
                    lastReconcile = DateTime.UtcNow;
                    foreach (var room in registry.Rooms)
                    {
                        ScheduleRestore(room);
                    }
                }

                await SendRejoinsAsync(stoppingToken);
            }
        }
        catch (Exception ex) when (stoppingToken.IsCancellationRequested && ex is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled })
        {
            // Shutting down (a call in flight ends as Cancelled): RoomService's viewer sets are cleaned when rooms stop.
        }
    }

    private async Task<bool> TryApplyAsync(ApplyViewerChangesRequest request, CancellationToken stoppingToken)
    {
        try
        {
            var response = await rooms.ApplyViewerChangesAsync(request, deadline: DateTime.UtcNow.AddSeconds(5), cancellationToken: stoppingToken);
            foreach (var count in response.Counts)
            {
                if (registry.Find(count.RoomId) is { } room)
                {
                    OnCount(room, count.Viewers);
                }
            }

            return true;
        }
        catch (RpcException ex) when (!stoppingToken.IsCancellationRequested)
        {
            Log.ViewerChangesFailed(logger, request.Changes.Count, $"{ex.StatusCode}: {ex.Status.Detail}");
            return false;
        }
    }

    /// <summary>Counts also change through other Edges: refresh the rooms this Edge serves.</summary>
    private async Task RefreshCountsAsync(CancellationToken stoppingToken)
    {
        foreach (var room in registry.Rooms)
        {
            try
            {
                var count = await rooms.GetViewerCountAsync(new GetViewerCountRequest { RoomId = room.RoomId }, deadline: DateTime.UtcNow.AddSeconds(3), cancellationToken: stoppingToken);
                OnCount(room, count.Viewers);
            }
            catch (RpcException ex) when (!stoppingToken.IsCancellationRequested)
            {
                Log.ViewerChangesFailed(logger, 0, $"refreshing room {room.RoomId}: {ex.StatusCode}: {ex.Status.Detail}");
                return;
            }
        }
    }

    private void OnCount(LocalRoom room, long viewers)
    {
        room.OnlineCount = viewers;

        // Every signed-in user here is in the room's set unless the set lost them (or a join is still queued,
        // which a re-join only repeats: joins are idempotent).
        if (viewers < room.SignedInUsers)
        {
            ScheduleRestore(room);
        }
    }

    private void ScheduleRestore(LocalRoom room)
    {
        if (!roomsBeingRestored.Add(room.RoomId))
        {
            return;
        }

        usersScratch.Clear();
        room.CopySignedInUsers(usersScratch);
        foreach (var userId in usersScratch)
        {
            rejoins.Enqueue(new ViewerChange { RoomId = room.RoomId, UserId = userId, Join = true });
        }
    }

    /// <summary>
    /// Sends up to one call of re-joins. A user who left meanwhile may have had the leave applied before this
    /// join, so the leave is recorded again after it: leaves are idempotent too.
    /// </summary>
    private async Task SendRejoinsAsync(CancellationToken stoppingToken)
    {
        if (rejoins.Count == 0)
        {
            return;
        }

        var request = new ApplyViewerChangesRequest();
        foreach (var change in rejoins)
        {
            if (request.Changes.Count == MaxPerCall)
            {
                break;
            }

            request.Changes.Add(change);
        }

        if (!await TryApplyAsync(request, stoppingToken))
        {
            return;
        }

        foreach (var change in request.Changes)
        {
            rejoins.Dequeue();
            if (registry.Find(change.RoomId)?.HasUser(change.UserId) != true)
            {
                Record(change.RoomId, change.UserId, join: false);
            }
        }

        if (rejoins.Count == 0)
        {
            roomsBeingRestored.Clear();
        }
    }
}
