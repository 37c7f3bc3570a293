using Live.MessageService.Ingest;
using Live.Protocol;
using Live.Redis;
using StackExchange.Redis;

namespace Live.MessageService.Fanout;

/// <summary>
/// A room feed saw its stream go backwards within one epoch (a replica that lagged, an AOF that lost its last
/// second, a hand-edited key): the epoch is replaced if it is still the one the feed knew, and the announcement
/// of the epoch now in force is published either way, so every node serving the room learns it from the
/// channel (ADR 0007). Rare, so one script call each time is fine.
/// </summary>
public sealed class EpochReplacer(IConnectionMultiplexer redis, TimeProvider time)
{
    private static readonly string Script = EmbeddedLuaScript.Read<EpochReplacer>("replace-epoch.lua");

    /// <returns>The epoch in force (0 when the room's state is gone: its next message makes a new one).</returns>
    public async Task<long> ReplaceAsync(long roomId, long knownEpoch)
    {
        var frame = FrameWriter.EncodeMessage(FrameType.NotRecovered, time.GetUtcNow().ToUnixTimeMilliseconds(), 0, roomId, 0, null, null, null);
        var memory = frame.AsMemory();
        var result = await redis.GetDatabase().ScriptEvaluateAsync(
            Script,
            [MessageKeys.Seq(roomId)],
            [
                knownEpoch,
                MessageKeys.ChannelName(roomId),
                memory[..FrameLayout.UserIdOffset],
                memory[FrameLayout.RoomIdOffset..FrameLayout.SeqOffset],
                memory[FrameLayout.HeaderSize..],
            ]);
        return (long)result;
    }
}
