using Live.RoomService.Rooms;
using Live.Redis;
using StackExchange.Redis;

namespace Live.RoomService.Viewers;

/// <summary>
/// Viewer sets in Redis: one set per room, a peak counter for the current broadcast and a "live" marker.
/// Joins run as one script that adds only while the marker exists, so a join racing StopLive cannot
/// leave a viewer in an ended room.
/// </summary>
public sealed class ViewerStore(IConnectionMultiplexer redis)
{
    /// <summary>Returned by <see cref="JoinAsync"/> when the room has no live marker.</summary>
    public const long NotLive = -1;

    private static readonly string JoinScript = EmbeddedLuaScript.Read<ViewerStore>("join.lua");

    private static readonly string LeaveScript = EmbeddedLuaScript.Read<ViewerStore>("leave.lua");

    public readonly record struct Counts(long Viewers, long Peak);

    public Task<Counts> JoinAsync(long roomId, long userId) => RunAsync(redis.GetDatabase(), JoinScript, roomId, userId);

    public Task<Counts> LeaveAsync(long roomId, long userId) => RunAsync(redis.GetDatabase(), LeaveScript, roomId, userId);

    /// <summary>Runs many joins and leaves as one pipelined batch (one round trip, not one per change).</summary>
    public async Task<Counts[]> ApplyAsync(IReadOnlyList<(long RoomId, long UserId, bool Join)> changes)
    {
        var batch = redis.GetDatabase().CreateBatch();
        var pending = new Task<Counts>[changes.Count];
        for (var i = 0; i < changes.Count; i++)
        {
            var (roomId, userId, join) = changes[i];
            pending[i] = RunAsync(batch, join ? JoinScript : LeaveScript, roomId, userId);
        }

        batch.Execute();
        return await Task.WhenAll(pending);
    }

    public async Task<Counts> GetCountsAsync(long roomId)
    {
        var db = redis.GetDatabase();
        var viewers = db.SetLengthAsync(RoomKeys.Viewers(roomId));
        var peak = db.StringGetAsync(RoomKeys.Peak(roomId));
        await Task.WhenAll(viewers, peak);
        var peakSoFar = peak.Result.IsNull ? 0 : (long)peak.Result;
        return new Counts(viewers.Result, Math.Max(peakSoFar, viewers.Result));
    }

    /// <summary>Viewer counts of many rooms in one pipelined round trip.</summary>
    public async Task<long[]> GetViewerCountsAsync(IReadOnlyList<long> roomIds)
    {
        var batch = redis.GetDatabase().CreateBatch();
        var pending = new Task<long>[roomIds.Count];
        for (var i = 0; i < roomIds.Count; i++)
        {
            pending[i] = batch.SetLengthAsync(RoomKeys.Viewers(roomIds[i]));
        }

        batch.Execute();
        return await Task.WhenAll(pending);
    }

    /// <summary>A new broadcast: the marker is set and the set and peak start empty.</summary>
    public async Task BeginBroadcastAsync(long roomId)
    {
        var transaction = redis.GetDatabase().CreateTransaction();
        _ = transaction.KeyDeleteAsync([RoomKeys.Viewers(roomId), RoomKeys.Peak(roomId)]);
        _ = transaction.StringSetAsync(RoomKeys.LiveMarker(roomId), 1);
        await transaction.ExecuteAsync();
    }

    /// <summary>Restores a lost marker for a room the database says is live (e.g. after a Redis restart).</summary>
    public Task RestoreLiveMarkerAsync(long roomId) =>
        redis.GetDatabase().StringSetAsync(RoomKeys.LiveMarker(roomId), 1, when: When.NotExists);

    /// <summary>Closes the broadcast: no more joins, and the set and peak are cleared.</summary>
    public Task EndBroadcastAsync(long roomId) =>
        redis.GetDatabase().KeyDeleteAsync(Keys(roomId));

    private static async Task<Counts> RunAsync(IDatabaseAsync db, string script, long roomId, long userId)
    {
        var result = (RedisResult[])(await db.ScriptEvaluateAsync(script, Keys(roomId), [userId]))!;
        return new Counts((long)result[0], (long)result[1]);
    }

    private static RedisKey[] Keys(long roomId) => [RoomKeys.LiveMarker(roomId), RoomKeys.Viewers(roomId), RoomKeys.Peak(roomId)];
}
