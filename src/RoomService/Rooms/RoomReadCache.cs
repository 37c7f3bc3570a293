using Live.Redis;
using Live.ServiceDefaults.Caching;
using Live.V1;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Live.RoomService.Rooms;

/// <summary>
/// The public reads (GetRoom, ListRooms) answered from this process for <see cref="RoomOptions.ReadCacheMs"/>,
/// viewer counts included: a room page opened by thousands of viewers at once costs Redis one read per room per
/// interval, not one per viewer. A change made through this process is visible to its next read; other replicas
/// drop their copy when the change's notice arrives, at the latest when it expires. Viewer counts may lag by up
/// to the interval.
/// </summary>
public sealed class RoomReadCache(IConnectionMultiplexer redis, IOptions<RoomOptions> options, TimeProvider time, ILogger<RoomReadCache> logger)
    : NoticedReadCache(redis, Changes, logger)
{
    public static readonly RedisChannel Changes = RedisChannel.Literal("rooms:changed");

    private readonly ExpiringCache<long, Room> rooms = new(TimeSpan.FromMilliseconds(options.Value.ReadCacheMs), options.Value.ReadCacheMaxEntries, time);
    private readonly ExpiringCache<ListRoomsRequest, ListRoomsResponse> lists = new(TimeSpan.FromMilliseconds(options.Value.ReadCacheMs), options.Value.ReadCacheMaxEntries, time);

    protected override bool Enabled => options.Value.ReadCacheMs > 0;

    protected override TimeSpan Lifetime => TimeSpan.FromMilliseconds(options.Value.ReadCacheMs);

    /// <summary>The room as GetRoom answers it; the answer is shared, so callers must not change it.</summary>
    public ValueTask<Room> GetRoomAsync<TState>(long roomId, Func<long, TState, Task<Room>> load, TState state) =>
        Enabled ? rooms.GetOrLoadAsync(roomId, load, state) : new ValueTask<Room>(load(roomId, state));

    /// <summary>A page as ListRooms answers it; shared, so callers must not change it.</summary>
    public ValueTask<ListRoomsResponse> ListAsync<TState>(ListRoomsRequest request, Func<ListRoomsRequest, TState, Task<ListRoomsResponse>> load, TState state) =>
        Enabled ? lists.GetOrLoadAsync(request, load, state) : new ValueTask<ListRoomsResponse>(load(request, state));

    protected override void Forget(long id)
    {
        rooms.Invalidate(id);
        // Any page may list the room, or list it no longer.
        lists.Clear();
    }

    protected override void ForgetAll()
    {
        rooms.Clear();
        lists.Clear();
    }
}
