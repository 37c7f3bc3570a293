using Google.Protobuf;
using Live.RoomService.Rooms;
using Live.RoomService.Telemetry;
using Live.V1;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Live.RoomService.Tests;

public sealed class RoomCacheTests(RoomServiceFixture fixture) : IClassFixture<RoomServiceFixture>
{
    private readonly RoomServiceClient client = fixture.Client;

    [Fact]
    public async Task Every_change_replaces_the_cached_room()
    {
        var room = await client.CreateRoomAsync(new CreateRoomRequest { AnchorUserId = 8, Title = "before", Category = "chat" });
        await client.GetRoomAsync(new GetRoomRequest { RoomId = room.Id });
        Assert.Equal(room.Version, await CachedVersionAsync(room.Id));

        await client.UpdateRoomAsync(new UpdateRoomRequest { RoomId = room.Id, Title = "after" });
        var afterUpdate = await client.GetRoomAsync(new GetRoomRequest { RoomId = room.Id });
        Assert.Equal("after", afterUpdate.Title);
        Assert.Equal(afterUpdate.Version, await CachedVersionAsync(room.Id));

        await client.StartLiveAsync(new StartLiveRequest { RoomId = room.Id });
        Assert.Equal(RoomStatus.Live, (await client.GetRoomAsync(new GetRoomRequest { RoomId = room.Id })).Status);

        await client.StopLiveAsync(new StopLiveRequest { RoomId = room.Id });
        var stopped = await client.GetRoomAsync(new GetRoomRequest { RoomId = room.Id });
        Assert.Equal(RoomStatus.Ended, stopped.Status);
        Assert.Equal(stopped.Version, await CachedVersionAsync(room.Id));
    }

    [Fact]
    public async Task A_slow_reader_cannot_put_back_an_older_room()
    {
        var cache = fixture.Host.Services.GetRequiredService<RoomCache>();
        var room = await client.CreateRoomAsync(new CreateRoomRequest { AnchorUserId = 8, Title = "v-new", Category = "chat" });
        var newer = (await client.UpdateRoomAsync(new UpdateRoomRequest { RoomId = room.Id, Title = "v-newer" })).Clone();

        // A reader that loaded the room before the update finishes its fill only now.
        await cache.StoreAsync(room);

        var served = await client.GetRoomAsync(new GetRoomRequest { RoomId = room.Id });
        Assert.Equal("v-newer", served.Title);
        Assert.Equal(newer.Version, await CachedVersionAsync(room.Id));
    }

    [Fact]
    public async Task Concurrent_misses_on_a_hot_key_load_the_room_once_across_processes()
    {
        // Two caches on one Redis stand for two RoomService processes.
        var redis = fixture.Host.Services.GetRequiredService<IConnectionMultiplexer>();
        var options = Options.Create(new RoomOptions());
        using var metricsA = new RoomMetrics(new TestMeterFactory());
        using var metricsB = new RoomMetrics(new TestMeterFactory());
        var processA = new RoomCache(redis, options, metricsA, NullLogger<RoomCache>.Instance);
        var processB = new RoomCache(redis, options, metricsB, NullLogger<RoomCache>.Instance);
        var room = new Room { Id = Random.Shared.NextInt64(1_000_000_000, 2_000_000_000), Title = "hot", Version = 3, Status = RoomStatus.Live };
        var loads = 0;

        async Task<Room?> SlowLoad(long id)
        {
            Interlocked.Increment(ref loads);
            await Task.Delay(150);
            return room;
        }

        var readers = Enumerable.Range(0, 100)
            .Select(i => (i % 2 == 0 ? processA : processB).GetOrLoadAsync(room.Id, SlowLoad))
            .ToList();
        var results = await Task.WhenAll(readers);

        Assert.Equal(1, loads);
        Assert.All(results, r => Assert.Equal("hot", r!.Title));
    }

    [Fact]
    public async Task A_missing_room_is_cached_briefly_as_missing()
    {
        const long missing = 1_999_999_999;
        await Assert.ThrowsAsync<global::Grpc.Core.RpcException>(() => client.GetRoomAsync(new GetRoomRequest { RoomId = missing }).ResponseAsync);
        Assert.Equal(0, await CachedVersionAsync(missing));
        var ttl = await fixture.Redis.KeyTimeToLiveAsync($"room:{{{missing}}}:info");
        Assert.NotNull(ttl);
        Assert.True(ttl <= TimeSpan.FromSeconds(6));
    }

    private async Task<long?> CachedVersionAsync(long roomId)
    {
        var value = await fixture.Redis.HashGetAsync($"room:{{{roomId}}}:info", "v");
        return value.IsNull ? null : (long)value;
    }

    private sealed class TestMeterFactory : System.Diagnostics.Metrics.IMeterFactory
    {
        private readonly List<System.Diagnostics.Metrics.Meter> meters = [];

        public System.Diagnostics.Metrics.Meter Create(System.Diagnostics.Metrics.MeterOptions options)
        {
            var meter = new System.Diagnostics.Metrics.Meter(options);
            meters.Add(meter);
            return meter;
        }

        public void Dispose() => meters.ForEach(m => m.Dispose());
    }
}
