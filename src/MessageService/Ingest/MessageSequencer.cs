using Live.MessageService.Handoff;
using Live.Protocol;
using Live.Redis;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Live.MessageService.Ingest;

/// <summary>
/// Gives an encoded frame its room seq, appends it to the capped history and publishes it, in one Lua script.
/// Because the three happen atomically, Redis publishes a room's frames in seq order, so every subscribed
/// node sees them in order whichever node accepted them. Frames waiting for Redis at the same moment share
/// one script call (<see cref="BatchedRedisScript{TRequest,TResult}"/>), sequenced in arrival order.
/// </summary>
public sealed class MessageSequencer(IConnectionMultiplexer redis, NodeIdentity node, IOptions<MessageOptions> options)
    : BatchedRedisScript<MessageSequencer.Request, long>(redis, Script, new BatchedScriptLimits())
{
    // The frame arrives in two parts around its 8-byte seq slot (FrameLayout.SeqOffset = 29), so the script
    // joins head, big-endian seq and tail in one concatenation. A room's TTLs are refreshed once per batch. A
    // position without an epoch gets one, announced before the message (ADR 0007); a seq key from before epochs
    // (a plain counter) moves into the position hash on its next message.
    private static readonly string Script = EmbeddedLuaScript.Read<MessageSequencer>("sequence.lua");

    private readonly RedisValue historyLength = options.Value.HistoryLength;
    private readonly RedisValue ttlMs = (long)options.Value.HistoryTtlMinutes * 60_000;

    protected override int KeysPerItem => 2;

    protected override int ArgsPerItem => 6;

    protected override int ResultsPerItem => 1;

    /// <param name="frame">The encoded message frame with seq 0; must stay valid until the task completes.</param>
    public Task<long> SequenceAsync(long roomId, ReadOnlyMemory<byte> frame) =>
        CallAsync(new Request(roomId, frame));

    protected override RedisKey SlotKey(in Request request) => MessageKeys.Seq(request.RoomId);

    protected override void Append(in Request request, RedisKey[] keys, int keyOffset, RedisValue[] args, int argOffset)
    {
        keys[keyOffset] = MessageKeys.Seq(request.RoomId);
        keys[keyOffset + 1] = MessageKeys.History(request.RoomId);
        args[argOffset] = request.Frame[..FrameLayout.SeqOffset];
        args[argOffset + 1] = request.Frame[(FrameLayout.SeqOffset + sizeof(long))..];
        args[argOffset + 2] = historyLength;
        args[argOffset + 3] = ttlMs;
        args[argOffset + 4] = MessageKeys.ChannelName(request.RoomId);
        args[argOffset + 5] = node.Value;
    }

    protected override long Read(in Request request, ReadOnlySpan<RedisResult> results) => (long)results[0];

    public readonly record struct Request(long RoomId, ReadOnlyMemory<byte> Frame);
}
