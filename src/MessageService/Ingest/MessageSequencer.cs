using Live.Protocol;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Live.MessageService.Ingest;

/// <summary>
/// Gives an encoded frame its room seq, appends it to the capped history and publishes it, in one Lua script.
/// Because the three happen atomically, Redis publishes a room's frames in seq order, so every subscribed
/// node sees them in order whichever node accepted them.
/// </summary>
public sealed class MessageSequencer(IConnectionMultiplexer redis, IOptions<MessageOptions> options)
{
    // The seq is written big-endian into bytes 30..37 (1-based) of the frame: FrameLayout.SeqOffset = 29.
    private const string Script = """
        local seq = redis.call('INCR', KEYS[1])
        local b = {}
        local n = seq
        for i = 8, 1, -1 do
          b[i] = n % 256
          n = math.floor(n / 256)
        end
        local frame = string.sub(ARGV[1], 1, 29) .. string.char(unpack(b)) .. string.sub(ARGV[1], 38)
        redis.call('XADD', KEYS[2], 'MAXLEN', ARGV[2], seq .. '-0', 'f', frame)
        redis.call('PEXPIRE', KEYS[1], ARGV[3])
        redis.call('PEXPIRE', KEYS[2], ARGV[3])
        redis.call('PUBLISH', ARGV[4], frame)
        return seq
        """;

    private readonly RedisValue historyLength = options.Value.HistoryLength;
    private readonly RedisValue ttlMs = (long)options.Value.HistoryTtlMinutes * 60_000;

    /// <param name="frame">The encoded message frame with seq 0; must stay valid until the task completes.</param>
    public async Task<long> SequenceAsync(long roomId, ReadOnlyMemory<byte> frame)
    {
        var result = await redis.GetDatabase().ScriptEvaluateAsync(
            Script,
            [MessageKeys.Seq(roomId), MessageKeys.History(roomId)],
            [frame, historyLength, ttlMs, MessageKeys.ChannelName(roomId)]);
        return (long)result;
    }

    /// <summary>The room's latest seq (0 when no message was ever sent).</summary>
    public async Task<long> LatestAsync(long roomId)
    {
        var latest = await redis.GetDatabase().StringGetAsync(MessageKeys.Seq(roomId));
        return latest.IsNull ? 0 : (long)latest;
    }
}
