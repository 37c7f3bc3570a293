using System.Collections.Concurrent;
using Grpc.Core;
using Live.StatsService.Leasing;
using Live.StatsService.Rollups;
using Live.StatsService.Storage;
using Live.StatsService.Telemetry;
using Live.V1;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Live.StatsService.Rooms;

/// <summary>
/// Viewer counts are RoomService's (Redis sets it keeps per room) and are not events, so they are sampled:
/// every <see cref="StatsOptions.ViewerSampleSeconds"/> each live room is read once with GetRoom, its count kept
/// for stats and heat and its minute's peak raised in the rollups. A room RoomService no longer reports live
/// (its STOPPED event not yet consumed, or lost) leaves the live set.
/// </summary>
public sealed class ViewerSampler(
    IConnectionMultiplexer redis,
    StatsKeys keys,
    RoomServiceClient rooms,
    RollupWriter rollups,
    StatsMetrics metrics,
    IOptions<StatsOptions> options,
    TimeProvider time,
    ILogger<ViewerSampler> logger) : LeasedPeriodicService(redis, keys, time)
{
    private const int Parallelism = 16;

    protected override string LeaseName => "viewers";

    protected override TimeSpan Interval => TimeSpan.FromSeconds(options.Value.ViewerSampleSeconds);

    protected override void LogFailure(Exception exception) => Log.ViewerSamplingFailed(logger, exception);

    protected override async Task RunOnceAsync(CancellationToken ct)
    {
        var db = Redis.GetDatabase();
        var live = await LiveRooms.ReadAsync(db, Keys, options.Value.MaxLiveRooms);
        var counted = new ConcurrentBag<(long RoomId, long Viewers)>();
        var ended = new ConcurrentBag<(long RoomId, long AnchorUserId)>();
        var failed = 0;
        await Parallel.ForEachAsync(live, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = ct }, async (roomId, token) =>
        {
            try
            {
                var room = await rooms.GetRoomAsync(new GetRoomRequest { RoomId = roomId }, deadline: DateTime.UtcNow.AddSeconds(3), cancellationToken: token);
                if (room.Status == RoomStatus.Live)
                {
                    counted.Add((roomId, room.HasViewerCount ? room.ViewerCount : 0));
                }
                else
                {
                    ended.Add((roomId, room.AnchorUserId));
                }
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
            {
                ended.Add((roomId, 0));
            }
            catch (RpcException)
            {
                Interlocked.Increment(ref failed);
            }
        });

        var batch = db.CreateBatch();
        var writes = new List<Task>();
        foreach (var (roomId, viewers) in counted)
        {
            writes.Add(batch.HashSetAsync(Keys.Room(roomId), StatsKeys.Field.Viewers, viewers));
        }

        foreach (var (roomId, anchorUserId) in ended)
        {
            writes.Add(batch.SetRemoveAsync(Keys.LiveRooms, roomId));
            writes.Add(batch.SetRemoveAsync(Keys.AnchorLiveRooms(anchorUserId), roomId));
            writes.Add(batch.HashSetAsync(Keys.Room(roomId), StatsKeys.Field.Live, "0"));
        }

        batch.Execute();
        await Task.WhenAll(writes);
        // Not cancelled midway: the samples are read already, and the write is short.
        await rollups.RecordViewerPeaksAsync([.. counted], Time.GetUtcNow(), CancellationToken.None);
        metrics.ViewerSampled("live", counted.Count);
        metrics.ViewerSampled("ended", ended.Count);
        metrics.ViewerSampled("failed", failed);
    }
}
