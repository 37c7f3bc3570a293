using System.Diagnostics;
using Live.Edge.Connections;
using Live.Edge.Rooms;
using Live.Edge.Telemetry;
using Live.Protocol;
using Microsoft.Extensions.Options;

namespace Live.Edge.Sockets;

/// <summary>
/// One timer for all connections (never one per connection): idle timeouts, heartbeats, slow consumers that
/// stayed over their cap, closes that did not finish; and the periodic online-count push per room.
/// </summary>
public sealed class ConnectionSweeper(RoomRegistry registry, IOptions<EdgeOptions> options, ILogger<ConnectionSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(settings.SweepIntervalMs));
        var lastCountPush = Stopwatch.GetTimestamp();
        var countInterval = settings.OnlineCountIntervalMs * Stopwatch.Frequency / 1000;
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var now = Stopwatch.GetTimestamp();
                var heartbeat = new OutgoingFrame(FrameWriter.EncodeControl(FrameType.Heartbeat, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), 0, 0),
                    default, 0, 0, isBatch: false, hasPriority: false);
                foreach (var connection in registry.Connections)
                {
                    try
                    {
                        connection.Sweep(now, heartbeat);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        // One connection's fault must not end the sweep of every other one, nor (as a background
                        // service's exception would) stop the Edge.
                        Log.SweepFailed(logger, connection.Id, ex);
                    }
                }

                if (now - lastCountPush >= countInterval)
                {
                    lastCountPush = now;
                    foreach (var room in registry.Rooms)
                    {
                        room.PushOnlineCount();
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }
}
