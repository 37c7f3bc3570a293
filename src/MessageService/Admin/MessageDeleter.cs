using Live.MessageService.Ingest;
using Live.Protocol;
using Live.Redis;
using Live.V1;
using StackExchange.Redis;

namespace Live.MessageService.Admin;

/// <summary>
/// Deletes a message by seq: removes it from the room's history and publishes a delete frame on the room's
/// channel, in one script, so only a message that was there is announced. Every node fanning out the room
/// gets the frame like other room traffic and passes it to its Edges, which hand it to every client.
/// The delete also goes to Kafka live-messages (kind DELETE, with the deleted message's sender and time), so
/// consumers that counted the message (StatsService) can take it back.
/// </summary>
public sealed class MessageDeleter(IConnectionMultiplexer redis, KafkaMessageSink kafka, TimeProvider time)
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
        if (deleted.IsNull)
        {
            return false;
        }

        var record = new RoomMessage { RoomId = roomId, Seq = seq, Kind = MessageKind.Delete, TimestampMs = time.GetUtcNow().ToUnixTimeMilliseconds() };
        if (FrameReader.TryReadSingleMessage((byte[])deleted!, out var message) == DecodeStatus.Ok)
        {
            record.UserId = message.UserId;
            record.TimestampMs = message.TimestampMs;
        }

        kafka.Enqueue(record);
        return true;
    }
}
