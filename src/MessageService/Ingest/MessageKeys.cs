using System.Globalization;
using StackExchange.Redis;

namespace Live.MessageService.Ingest;

/// <summary>
/// Redis names of a room's messages. The id is a hash tag ({id}), as in RoomService, so the seq and the
/// history share a cluster slot and one script may touch both.
/// </summary>
public static class MessageKeys
{
    /// <summary>
    /// A hash of the room's stream position, fields <c>seq</c> and <c>epoch</c> (ADR 0007), lost together; read and
    /// written by the scripts only (a room from before epochs may still hold a plain counter here).
    /// </summary>
    public static RedisKey Seq(long roomId) => $"room:{{{roomId}}}:msg-seq";

    public static RedisKey History(long roomId) => $"room:{{{roomId}}}:msg-history";

    public static RedisChannel Channel(long roomId) => RedisChannel.Literal($"room:{{{roomId}}}:messages");

    public static string ChannelName(long roomId) => $"room:{{{roomId}}}:messages";

    public static string StreamId(long seq) => seq.ToString(CultureInfo.InvariantCulture) + "-0";

    /// <summary>The seq of a history stream entry id ("seq-0").</summary>
    public static long SeqOfStreamId(string id)
    {
        var dash = id.IndexOf('-', StringComparison.Ordinal);
        return long.TryParse(dash < 0 ? id : id.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var seq) ? seq : 0;
    }
}
