using System.ComponentModel.DataAnnotations;
using Grpc.Core;
using Live.ServiceDefaults.Caching;
using Live.ServiceDefaults.Hosting;
using Live.V1;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Live.ServiceClients.Rooms;

public enum RoomState
{
    Live,
    NotLive,
    NotFound,
}

public sealed class RoomStatusCacheOptions
{
    public const string Section = "RoomStatusCache";

    /// <summary>How long an answer is reused. Short: a room that stops is noticed within this time.</summary>
    [Range(100, 60_000)]
    public int TtlMs { get; set; } = 2_000;

    /// <summary>Entries kept at most; past it expired entries are swept, and if that is not enough, all.</summary>
    [Range(100, 10_000_000)]
    public int MaxEntries { get; set; } = 100_000;
}

/// <summary>
/// "Does this room exist and is it live?" for the real-time path, answered from RoomService's GetRoom and
/// kept for a short TTL so a busy room costs one RoomService call per TTL per process, not one per message;
/// the callers that miss together (a room's viewers returning after an Edge restart) share one call.
/// </summary>
public sealed class RoomStatusCache(RoomServiceClient rooms, IOptions<RoomStatusCacheOptions> options, TimeProvider time)
{
    private readonly ExpiringCache<long, RoomState> states = new(
        TimeSpan.FromMilliseconds(options.Value.TtlMs), options.Value.MaxEntries, time);

    /// <exception cref="RpcException">RoomService could not answer (not NOT_FOUND); callers report it as unavailable.</exception>
    public ValueTask<RoomState> GetAsync(long roomId, CancellationToken cancellationToken) =>
        states.GetOrLoadAsync(roomId, static (id, client) => LoadAsync(client, id), rooms, cancellationToken);

    private static async Task<RoomState> LoadAsync(RoomServiceClient rooms, long roomId)
    {
        try
        {
            var room = await rooms.GetRoomAsync(new GetRoomRequest { RoomId = roomId }, deadline: DateTime.UtcNow.AddSeconds(3));
            return room.Status == RoomStatus.Live ? RoomState.Live : RoomState.NotLive;
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
        {
            return RoomState.NotFound;
        }
    }
}

public static class RoomStatusCacheExtensions
{
    /// <summary>The status cache over the process's RoomService client (Services:RoomService).</summary>
    public static IServiceCollection AddRoomStatusCache(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddValidatedOptions<RoomStatusCacheOptions>(configuration, RoomStatusCacheOptions.Section);
        services.AddRoomServiceClient(configuration);
        services.AddSingleton<RoomStatusCache>();
        return services;
    }
}
