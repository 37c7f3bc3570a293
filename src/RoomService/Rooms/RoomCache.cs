using System.Collections.Concurrent;
using Google.Protobuf;
using Live.RoomService.Telemetry;
using Live.Redis;
using Live.V1;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Live.RoomService.Rooms;

/// <summary>
/// Read-through cache of rooms in Redis. Each entry is a hash {v: version, d: Room protobuf}; version 0 with
/// no data means "no such room". Writes go through a script that only replaces an older version, so a slow
/// reader can never put back a room that a later change already replaced.
/// Stampede protection when a hot key expires: callers in one process share a single load, and across
/// processes one loader holds a short fill lock while the others wait briefly for its result.
/// </summary>
public sealed class RoomCache(IConnectionMultiplexer redis, IOptions<RoomOptions> options, RoomMetrics metrics, ILogger<RoomCache> logger)
{
    private static readonly string StoreIfNewerScript = EmbeddedLuaScript.Read<RoomCache>("store-if-newer.lua");
    private static readonly string ReleaseFillLockScript = EmbeddedLuaScript.Read<RoomCache>("release-fill-lock.lua");

    private static readonly RedisValue[] EntryFields = ["v", "d"];
    private static readonly TimeSpan FillWaitStep = TimeSpan.FromMilliseconds(25);

    private readonly RoomOptions options = options.Value;
    private readonly ConcurrentDictionary<long, Lazy<Task<Room?>>> inFlight = new();

    /// <summary>The room from the cache, or from <paramref name="load"/> when absent; null when it does not exist.</summary>
    public async Task<Room?> GetOrLoadAsync(long roomId, Func<long, Task<Room?>> load)
    {
        var cached = await TryReadAsync(roomId, "reading");
        if (cached.Found)
        {
            return cached.Room;
        }

        if (cached.Unavailable)
        {
            return await load(roomId);
        }

        var shared = inFlight.GetOrAdd(roomId, id => new Lazy<Task<Room?>>(() => FillAsync(id, load)));
        try
        {
            return await shared.Value;
        }
        finally
        {
            inFlight.TryRemove(new KeyValuePair<long, Lazy<Task<Room?>>>(roomId, shared));
        }
    }

    /// <summary>Stores a room after a change; best effort, the TTL bounds staleness if Redis is unreachable.</summary>
    public async Task StoreAsync(Room room)
    {
        try
        {
            await WriteAsync(room.Id, room.Version, room.ToByteArray(), options.CacheTtlSeconds * 1000L);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Log.CacheUnavailable(logger, "storing", room.Id, ex);
        }
    }

    private async Task<Room?> FillAsync(long roomId, Func<long, Task<Room?>> load)
    {
        var db = redis.GetDatabase();
        var lockToken = Guid.NewGuid().ToString("N");
        bool holdsLock;
        try
        {
            holdsLock = await db.StringSetAsync(RoomKeys.FillLock(roomId), lockToken, TimeSpan.FromMilliseconds(options.CacheFillLockMs), When.NotExists);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Log.CacheUnavailable(logger, "locking", roomId, ex);
            return await load(roomId);
        }

        if (!holdsLock)
        {
            // Another process is loading this room: give it a moment rather than hit the database too.
            var deadline = DateTime.UtcNow.AddMilliseconds(Math.Min(options.CacheFillLockMs, 500));
            while (DateTime.UtcNow < deadline)
            {
                await Task.Delay(FillWaitStep);
                var cached = await TryReadAsync(roomId, "waiting for");
                if (cached.Found)
                {
                    return cached.Room;
                }

                if (cached.Unavailable)
                {
                    break;
                }
            }
        }

        try
        {
            var room = await load(roomId);
            await StoreLoadedAsync(roomId, room);
            return room;
        }
        finally
        {
            if (holdsLock)
            {
                await ReleaseLockAsync(db, roomId, lockToken);
            }
        }
    }

    private async Task StoreLoadedAsync(long roomId, Room? room)
    {
        try
        {
            if (room is null)
            {
                await WriteAsync(roomId, 0, [], options.MissingCacheTtlSeconds * 1000L);
            }
            else
            {
                await WriteAsync(roomId, room.Version, room.ToByteArray(), options.CacheTtlSeconds * 1000L);
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Log.CacheUnavailable(logger, "filling", roomId, ex);
        }
    }

    private async Task ReleaseLockAsync(IDatabase db, long roomId, string token)
    {
        try
        {
            await db.ScriptEvaluateAsync(ReleaseFillLockScript, [RoomKeys.FillLock(roomId)], [token]);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // The lock expires by itself.
            Log.CacheUnavailable(logger, "unlocking", roomId, ex);
        }
    }

    private Task WriteAsync(long roomId, long version, byte[] data, long ttlMs)
    {
        // Up to 10% jitter spreads the expiry of rooms cached at the same moment.
        var jittered = ttlMs + Random.Shared.NextInt64(ttlMs / 10 + 1);
        return redis.GetDatabase().ScriptEvaluateAsync(StoreIfNewerScript, [RoomKeys.Info(roomId)], [version, data, jittered]);
    }

    private async Task<CacheRead> TryReadAsync(long roomId, string operation)
    {
        RedisValue[] values;
        try
        {
            values = await redis.GetDatabase().HashGetAsync(RoomKeys.Info(roomId), EntryFields);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            metrics.CacheLookup("error");
            Log.CacheUnavailable(logger, operation, roomId, ex);
            return CacheRead.Down;
        }

        if (values[0].IsNull)
        {
            metrics.CacheLookup("miss");
            return CacheRead.Miss;
        }

        if ((long)values[0] == 0)
        {
            metrics.CacheLookup("missing_hit");
            return new CacheRead(true, false, null);
        }

        metrics.CacheLookup("hit");
        return new CacheRead(true, false, Room.Parser.ParseFrom((byte[])values[1]!));
    }

    private readonly record struct CacheRead(bool Found, bool Unavailable, Room? Room)
    {
        public static readonly CacheRead Miss = new(false, false, null);
        public static readonly CacheRead Down = new(false, true, null);
    }
}
