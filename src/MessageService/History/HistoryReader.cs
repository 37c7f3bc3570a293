using System.Text;
using Live.MessageService.Ingest;
using Live.Protocol;
using Live.V1;
using StackExchange.Redis;

namespace Live.MessageService.History;

/// <summary>Reads a room's recent history (a Redis stream whose entry ids are the seqs) in one atomic script.</summary>
public sealed class HistoryReader(IConnectionMultiplexer redis)
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 500;

    private const string Script = """
        local latest = tonumber(redis.call('GET', KEYS[1]) or '0')
        local first = redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', 1)
        local entries = redis.call('XRANGE', KEYS[2], ARGV[1], '+', 'COUNT', ARGV[2])
        local firstId = '0-0'
        if #first > 0 then firstId = first[1][1] end
        return {latest, firstId, entries}
        """;

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
