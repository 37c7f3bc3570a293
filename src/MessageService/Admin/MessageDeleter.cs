using Live.MessageService.Ingest;
using Live.Protocol;
using Live.Redis;
using StackExchange.Redis;

namespace Live.MessageService.Admin;

/// <summary>
/// Deletes a message by seq: removes it from the room's history and publishes a delete frame on the room's
/// channel, in one script, so only a message that was there is announced. Every node fanning out the room
/// gets the frame like other room traffic and passes it to its Edges, which hand it to every client.
/// </summary>
public sealed class MessageDeleter(IConnectionMultiplexer redis, TimeProvider time)
{
    private static readonly string Script = EmbeddedLuaScript.Read<MessageDeleter>("delete-message.lua");

    /// <returns>False when the seq is not in the history (never sent, deleted already, or trimmed away).</returns>
    public async Task<bool> DeleteAsync(long roomId, long seq)
    {
        var frame = FrameWriter.EncodeControl(FrameType.Delete, time.GetUtcNow().ToUnixTimeMilliseconds(), roomId, seq);
        var deleted = await redis.GetDatabase().ScriptEvaluateAsync(
            Script,
            [MessageKeys.History(roomId)],
            [MessageKeys.StreamId(seq), MessageKeys.ChannelName(roomId), frame]);
        return (long)deleted == 1;
    }
}
