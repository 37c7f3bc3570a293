using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using Grpc.Core;
using Live.ServiceDefaults.Concurrency;
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
    private readonly ConcurrentDictionary<long, Entry> entries = new();
    private readonly SingleFlight<long, RoomState> loads = new();
    private readonly RoomStatusCacheOptions settings = options.Value;

    /// <exception cref="RpcException">RoomService could not answer (not NOT_FOUND); callers report it as unavailable.</exception>
    public ValueTask<RoomState> GetAsync(long roomId, CancellationToken cancellationToken)
    {
        var now = time.GetTimestamp();
        if (entries.TryGetValue(roomId, out var entry) && now < entry.ExpiresAt)
        {
            return new ValueTask<RoomState>(entry.State);
        }

        return new ValueTask<RoomState>(loads.RunAsync(roomId, static (id, cache) => cache.LoadAsync(id), this, cancellationToken));
    }

    private async Task<RoomState> LoadAsync(long roomId)
    {
        RoomState state;
        try
        {
            var room = await rooms.GetRoomAsync(new GetRoomRequest { RoomId = roomId }, deadline: DateTime.UtcNow.AddSeconds(3));
            state = room.Status == RoomStatus.Live ? RoomState.Live : RoomState.NotLive;
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
        {
            state = RoomState.NotFound;
        }

        if (entries.Count >= settings.MaxEntries)
        {
            Sweep();
        }

        entries[roomId] = new Entry(state, time.GetTimestamp() + (long)(settings.TtlMs / 1000.0 * time.TimestampFrequency));
        return state;
    }

    private void Sweep()
    {
        var now = time.GetTimestamp();
        foreach (var (roomId, entry) in entries)
        {
            if (entry.ExpiresAt <= now)
            {
                entries.TryRemove(roomId, out _);
            }
        }

        if (entries.Count >= settings.MaxEntries)
        {
            entries.Clear();
        }
    }

    private readonly record struct Entry(RoomState State, long ExpiresAt);
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
