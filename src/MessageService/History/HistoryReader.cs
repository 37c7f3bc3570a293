using System.Buffers;
using System.Text;
using Google.Protobuf;
using Live.MessageService.Ingest;
using Live.Protocol;
using Live.Redis;
using Live.V1;
using StackExchange.Redis;

namespace Live.MessageService.History;

/// <summary>
/// Reads a room's recent history (a Redis stream whose entry ids are the seqs) in one atomic script. The
/// entries are the frames encoded at ingest: they are answered as messages, or put together as they are into
/// one batch frame for an Edge that replays them to a client, with the seq and epoch they belong to.
/// </summary>
public sealed class HistoryReader(IConnectionMultiplexer redis, TimeProvider time)
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 500;

    private static readonly string Script = EmbeddedLuaScript.Read<HistoryReader>("read-history.lua");

    public async Task<GetHistoryResponse> ReadAsync(long roomId, long afterSeq, int limit, bool asBatch)
    {
        var result = (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(
            Script,
            [MessageKeys.Seq(roomId), MessageKeys.History(roomId)],
            [MessageKeys.StreamId(afterSeq + 1), limit]))!;

        var response = new GetHistoryResponse
        {
            LatestSeq = (long)result[0],
            Epoch = (long)result[1],
            FirstAvailableSeq = MessageKeys.SeqOfStreamId((string)result[2]!),
        };
        var entries = (RedisResult[])result[3]!;
        if (asBatch)
        {
            response.Batch = EncodeBatch(roomId, entries);
            return response;
        }

        foreach (var entry in entries)
        {
            if (RecordOf(FrameOf(entry)) is { } record)
            {
                response.Messages.Add(record);
            }
        }


        return response;
    }

    /// <summary>The frames that parse (the same ones <c>messages</c> would hold), back to back in one plain batch.</summary>
    private ByteString EncodeBatch(long roomId, RedisResult[] entries)
    {
        var count = 0;
        var firstSeq = 0L;
        var lastSeq = 0L;
        using var payload = new PooledBufferWriter(entries.Length * 128);
        foreach (var entry in entries)
        {
            var frame = FrameOf(entry);
            if (FrameReader.TryReadSingleMessage(frame, out var message) != DecodeStatus.Ok)
            {
                continue;
            }

            payload.Write(frame);
            firstSeq = count == 0 ? message.Seq : firstSeq;
            lastSeq = message.Seq;
            count++;
        }

        return count == 0
            ? ByteString.Empty
            : UnsafeByteOperations.UnsafeWrap(BatchEncoder.EncodePlain(roomId, time.GetUtcNow().ToUnixTimeMilliseconds(), firstSeq, lastSeq,
                count, 0, payload.WrittenSpan));
    }

    /// <summary>A history entry's frame as the record Kafka and GetHistory carry; null if it is not a message frame.</summary>
    public static RoomMessage? RecordOf(byte[] frame)
    {
        if (FrameReader.TryReadSingleMessage(frame, out var message) != DecodeStatus.Ok)
        {
            return null;
        }

        return new RoomMessage
        {
            RoomId = message.RoomId,
            Seq = message.Seq,
            UserId = message.UserId,
            UserName = Encoding.UTF8.GetString(message.UserName),
            Content = Encoding.UTF8.GetString(message.Content),
            Color = Encoding.UTF8.GetString(message.Color),
            Kind = MessageKindTable.KindOf(message.Type),
            TimestampMs = message.TimestampMs,
        };
    }

    /// <summary>An entry is [id, [field, frame, ...]].</summary>
    private static byte[] FrameOf(RedisResult entry) => (byte[])((RedisResult[])((RedisResult[])entry!)[1]!)[1]!;
}
