using Live.MessageService.Telemetry;
using Microsoft.Extensions.Options;

namespace Live.MessageService.Fanout;

/// <summary>
/// The one loop that flushes the rooms with pending messages every window (or sooner, when a room's batch
/// reached its size limit); a busy room is held to a longer window (<see cref="MessageOptions.HotBatchWindowMs"/>, longer still for a large audience: ADR 0017).
/// Each room's batch is made and handed out by <see cref="FeedFlusher"/>.
/// </summary>
public sealed class BatchFlusher(RoomHub hub, IOptions<MessageOptions> options, MessageMetrics metrics, TimeProvider time) : BackgroundService
{
    private readonly MessageOptions settings = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var flusher = new FeedFlusher(settings, metrics, time);
        var window = TimeSpan.FromMilliseconds(settings.BatchWindowMs);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await hub.WaitForFlushAsync(window, stoppingToken);
                var now = time.GetTimestamp();
                for (var n = hub.Dirty.Count; n > 0 && hub.Dirty.TryDequeue(out var feed); n--)
                {
                    if (feed.IsDue(now, settings.MaxBatchBytes))
                    {
                        flusher.Flush(feed);
                    }
                    else
                    {
                        // A busy room inside its longer window: still dirty, so it is looked at again next tick.
                        hub.Dirty.Enqueue(feed);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down; Edges resume from history on their next node.
        }
    }
}
