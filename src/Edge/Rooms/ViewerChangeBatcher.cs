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
                    room.OnlineCount = count.Viewers;
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
                room.OnlineCount = count.Viewers;
            }
            catch (RpcException ex) when (!stoppingToken.IsCancellationRequested)
            {
                Log.ViewerChangesFailed(logger, 0, $"refreshing room {room.RoomId}: {ex.StatusCode}: {ex.Status.Detail}");
                return;
            }
        }
    }
}
