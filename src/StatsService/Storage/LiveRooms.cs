using System.Globalization;
using StackExchange.Redis;

namespace Live.StatsService.Storage;

internal static class LiveRooms
{
    /// <summary>The live rooms (from room-events), at most <paramref name="max"/> of them.</summary>
    public static async Task<List<long>> ReadAsync(IDatabase db, StatsKeys keys, int max)
    {
        var rooms = new List<long>();
        await foreach (var member in db.SetScanAsync(keys.LiveRooms, pageSize: 1_000))
        {
            rooms.Add(long.Parse(member.ToString(), NumberStyles.None, CultureInfo.InvariantCulture));
            if (rooms.Count >= max)
            {
                break;
            }
        }

        return rooms;
    }
}
