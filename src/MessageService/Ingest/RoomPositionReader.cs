using Live.Redis;
using StackExchange.Redis;

namespace Live.MessageService.Ingest;

/// <summary>A room's stream position in Redis: its latest seq and the epoch that seq belongs to (ADR 0007).</summary>
public readonly record struct RoomPosition(long Seq, long Epoch);

/// <summary>
/// Reads <see cref="MessageKeys.Seq"/> in a script that also takes a seq key from before epochs (a plain counter),
/// so a room that predates them never answers WRONGTYPE: it reads as its seq in no epoch (0) until its next
/// message moves it into the hash.
/// </summary>
public sealed class RoomPositionReader(IConnectionMultiplexer redis)
{
    private static readonly string Script = EmbeddedLuaScript.Read<RoomPositionReader>("read-position.lua");

    public async Task<RoomPosition> ReadAsync(long roomId)
    {
        var position = (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(Script, [MessageKeys.Seq(roomId)]))!;
        return new RoomPosition((long)position[0], (long)position[1]);
    }
}
