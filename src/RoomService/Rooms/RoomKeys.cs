using StackExchange.Redis;

namespace Live.RoomService.Rooms;

/// <summary>
/// Redis keys of one room. The id sits in a hash tag ({id}) so a room's keys share a cluster slot and
/// one Lua script may touch them all.
/// </summary>
internal static class RoomKeys
{
    public static RedisKey Info(long roomId) => $"room:{{{roomId}}}:info";
    public static RedisKey FillLock(long roomId) => $"room:{{{roomId}}}:fill";
    public static RedisKey LiveMarker(long roomId) => $"room:{{{roomId}}}:live";
    public static RedisKey Viewers(long roomId) => $"room:{{{roomId}}}:viewers";
    public static RedisKey Peak(long roomId) => $"room:{{{roomId}}}:peak";
}
