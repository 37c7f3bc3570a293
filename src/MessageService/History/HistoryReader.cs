using System.Text;
using Live.MessageService.Ingest;
using Live.Protocol;
using Live.Redis;
using Live.V1;
using StackExchange.Redis;

namespace Live.MessageService.History;

/// <summary>Reads a room's recent history (a Redis stream whose entry ids are the seqs) in one atomic script.</summary>
public sealed class HistoryReader(IConnectionMultiplexer redis)
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 500;

    private static readonly string Script = EmbeddedLuaScript.Read<HistoryReader>("read-history.lua");

    public async Task<GetHistoryResponse> ReadAsync(long roomId, long afterSeq, int limit)
    {
        var result = (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(
            Script,
            [MessageKeys.Seq(roomId), MessageKeys.History(roomId)],
            [MessageKeys.StreamId(afterSeq + 1), limit]))!;

        var response = new GetHistoryResponse
        {
            LatestSeq = (long)result[0],
            FirstAvailableSeq = MessageKeys.SeqOfStreamId((string)result[1]!),
        };
        foreach (var entry in (RedisResult[])result[2]!)
        {
            var parts = (RedisResult[])entry!;
            var fields = (RedisResult[])parts[1]!;
            var frame = (byte[])fields[1]!;
            if (FrameReader.TryReadSingleMessage(frame, out var message) == DecodeStatus.Ok)
            {
                response.Messages.Add(new RoomMessage
                {
                    RoomId = message.RoomId,
                    Seq = message.Seq,
                    UserId = message.UserId,
                    UserName = Encoding.UTF8.GetString(message.UserName),
                    Content = Encoding.UTF8.GetString(message.Content),
                    Color = Encoding.UTF8.GetString(message.Color),
                    Kind = IngestPipeline.KindOf(message.Type),
                    TimestampMs = message.TimestampMs,
                });
            }
        }

        return response;
    }
}
