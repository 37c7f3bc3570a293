using System.Threading.Channels;
using Live.StatsService.Telemetry;
using Live.V1;
using Microsoft.Extensions.Options;

namespace Live.StatsService.Rooms;

/// <summary>
/// Pushes room stats to WatchRoomStats streams once a second. All watchers of a room share one read, and all
/// watched rooms are read in one pipelined round trip, so the cost is per watched room, not per watcher. Each
/// watcher holds only the latest value (a slow stream skips values, it never queues them); the number of
/// watchers is capped (<see cref="StatsOptions.MaxWatchers"/>).
/// </summary>
public sealed class RoomStatsFeed(RoomStatsReader reader, IOptions<StatsOptions> options, TimeProvider time, ILogger<RoomStatsFeed> logger) : BackgroundService
{
    private readonly Lock gate = new();
    private readonly Dictionary<long, List<Channel<RoomStats>>> watchers = [];
    private int watcherCount;

    /// <summary>A subscription, or null when the process already serves the most watchers it may.</summary>
    public Subscription? Subscribe(long roomId)
    {
        var channel = Channel.CreateBounded<RoomStats>(new BoundedChannelOptions(1)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
            SingleWriter = true,
        });
        lock (gate)
        {
            if (watcherCount >= options.Value.MaxWatchers)
            {
                return null;
            }

            if (!watchers.TryGetValue(roomId, out var list))
            {
                watchers[roomId] = list = [];
            }

            list.Add(channel);
            watcherCount++;
        }

        return new Subscription(this, roomId, channel);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                long[] rooms;
                lock (gate)
                {
                    rooms = [.. watchers.Keys];
                }

                if (rooms.Length == 0)
                {
                    continue;
                }

                RoomStats[] stats;
                try
                {
                    stats = await reader.ReadAsync(rooms);
                }
                catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException)
                {
                    Log.FeedReadFailed(logger, rooms.Length, ex);
                    continue;
                }

                lock (gate)
                {
                    for (var i = 0; i < rooms.Length; i++)
                    {
                        if (watchers.TryGetValue(rooms[i], out var list))
                        {
                            foreach (var channel in list)
                            {
                                channel.Writer.TryWrite(stats[i]);
                            }
                        }
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private void Unsubscribe(long roomId, Channel<RoomStats> channel)
    {
        lock (gate)
        {
            if (watchers.TryGetValue(roomId, out var list) && list.Remove(channel))
            {
                watcherCount--;
                if (list.Count == 0)
                {
                    watchers.Remove(roomId);
                }
            }
        }
    }

    public sealed class Subscription(RoomStatsFeed feed, long roomId, Channel<RoomStats> channel) : IDisposable
    {
        public ChannelReader<RoomStats> Updates => channel.Reader;

        public void Dispose() => feed.Unsubscribe(roomId, channel);
    }
}
