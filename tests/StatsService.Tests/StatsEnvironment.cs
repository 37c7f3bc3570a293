using System.Globalization;
using Confluent.Kafka;
using Google.Protobuf;
using Live.Data;
using Live.Gifts;
using Live.Gifts.Data;
using Live.Kafka;
using Live.RoomService;
using Live.RoomService.Data;
using Live.ServiceDefaults.Hosting;
using Live.StatsService;
using Live.StatsService.Data;
using Live.StatsService.Storage;
using Live.Testing;
using Live.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MySqlConnector;
using StackExchange.Redis;

namespace Live.StatsService.Tests;

/// <summary>
/// A RoomService, a gift host and the topics of one test class, on real MariaDB, Redis and the Kafka-protocol
/// broker. Topics, databases, Redis key prefixes and consumer groups are the class's own, because Redis and
/// Kafka are shared with every other test class (and other engineers' runs). StatsService hosts are started by
/// the tests, each on a <see cref="StatsStore"/> (database + key prefix + group) so that two can be compared.
/// </summary>
public sealed class StatsEnvironment : IAsyncLifetime
{
    private readonly List<IAsyncDisposable> owned = [];
    private IProducer<string, byte[]>? producer;

    public string Suffix { get; } = Guid.NewGuid().ToString("N")[..12];
    public string LiveMessagesTopic => "live-messages-" + Suffix;
    public string RoomEventsTopic => "room-events-" + Suffix;
    public string GiftEventsTopic => "gift-events-" + Suffix;
    public string SalesTopic => "commerce-sales-" + Suffix;
    public IReadOnlyList<string> Topics => [LiveMessagesTopic, RoomEventsTopic, GiftEventsTopic, SalesTopic];

    public TestHost? Rooms { get; private set; }
    public TestHost? Gifts { get; private set; }
    public RoomServiceClient RoomClient { get; private set; } = null!;
    public GiftServiceClient GiftClient { get; private set; } = null!;
    public string GiftsConnectionString { get; private set; } = string.Empty;
    public IDatabase Redis { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        KafkaNativeLibrary.Load();
        producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = TestEnvironment.Kafka, EnableIdempotence = true, LingerMs = 2 }).Build();
        CreateTopics();

        var roomsDb = await OwnDatabaseAsync("rooms_test");
        var options = new DbContextOptionsBuilder<RoomsDbContext>();
        PlatformDatabase.Configure(options, roomsDb.ConnectionString);
        await using (var db = new RoomsDbContext(options.Options))
        {
            await db.Database.MigrateAsync();
            // A random id range per class keeps room keys apart in the shared Redis.
            var firstId = Random.Shared.NextInt64(1_000, 9_000_000) * 1_000_000_000;
#pragma warning disable EF1002 // A number we generated; DDL takes no parameters.
            await db.Database.ExecuteSqlRawAsync($"ALTER TABLE rooms AUTO_INCREMENT = {firstId}");
#pragma warning restore EF1002
        }

        Rooms = await TestHost.StartAsync(RoomServiceApp.Build, new Dictionary<string, string?>
        {
            ["ConnectionStrings:MySql"] = roomsDb.ConnectionString,
            ["ConnectionStrings:Redis"] = TestEnvironment.Redis,
            ["Kafka:BootstrapServers"] = TestEnvironment.Kafka,
            ["Rooms:EventsTopic"] = RoomEventsTopic,
        });
        owned.Add(Rooms);
        RoomClient = new RoomServiceClient(Rooms.Channel);

        var giftsDb = await OwnDatabaseAsync("gifts_test");
        GiftsConnectionString = giftsDb.ConnectionString;
        Gifts = await TestHost.StartAsync(BuildGiftHost, new Dictionary<string, string?>
        {
            ["ConnectionStrings:Gifts"] = giftsDb.ConnectionString,
            ["Kafka:BootstrapServers"] = TestEnvironment.Kafka,
            ["Gifts:Topic"] = GiftEventsTopic,
            ["Services:RoomService"] = Rooms!.GrpcAddress.ToString(),
        });
        owned.Add(Gifts);
        GiftClient = new GiftServiceClient(Gifts.Channel);
        Redis = (await ConnectionMultiplexer.ConnectAsync(TestEnvironment.Redis)).GetDatabase();
    }

    public async Task DisposeAsync()
    {
        producer?.Dispose();
        for (var i = owned.Count - 1; i >= 0; i--)
        {
            await owned[i].DisposeAsync();
        }

        Rooms?.Logs.AssertNoErrors();
        Gifts?.Logs.AssertNoErrors();
    }

    /// <summary>The host MessageService will be for gifts: GiftService with its relay, alone.</summary>
    private static WebApplication BuildGiftHost(string[] args, Action<WebApplicationBuilder> configure)
    {
        var builder = PlatformHost.CreateBuilder(args, "gift-test-host", configure);
        builder.Services.AddKafkaProducer(builder.Configuration, "gift-test-host");
        builder.Services.AddGifts(builder.Configuration);
        var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapGiftService();
        app.Services.MigrateGiftsAsync().GetAwaiter().GetResult();
        return app;
    }

    /// <summary>A fresh store for a StatsService: its own database (migrated), key prefix and consumer group.</summary>
    public async Task<StatsStore> NewStoreAsync()
    {
        var db = await OwnDatabaseAsync("stats_test");
        var options = new DbContextOptionsBuilder<StatsDbContext>();
        PlatformDatabase.Configure(options, db.ConnectionString);
        await using (var context = new StatsDbContext(options.Options))
        {
            await context.Database.MigrateAsync();
        }

        var id = Guid.NewGuid().ToString("N")[..10];
        return new StatsStore(db.ConnectionString, $"stats-test:{id}:", "stats-test-" + id);
    }

    public Task<TestHost> StartStatsAsync(StatsStore store, IDictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>(StatsSettings(store));
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return TestHost.StartAsync(StatsServiceApp.Build, settings);
    }

    public IReadOnlyDictionary<string, string?> StatsSettings(StatsStore store) => new Dictionary<string, string?>
    {
        ["ConnectionStrings:MySql"] = store.ConnectionString,
        ["ConnectionStrings:Redis"] = TestEnvironment.Redis,
        ["Kafka:BootstrapServers"] = TestEnvironment.Kafka,
        ["Services:RoomService"] = Rooms!.GrpcAddress.ToString(),
        ["Stats:KeyPrefix"] = store.KeyPrefix,
        ["Stats:ConsumerGroup"] = store.ConsumerGroup,
        ["Stats:LiveMessagesTopic"] = LiveMessagesTopic,
        ["Stats:RoomEventsTopic"] = RoomEventsTopic,
        ["Stats:GiftEventsTopic"] = GiftEventsTopic,
        ["Stats:SalesTopic"] = SalesTopic,
        ["Stats:ViewerSampleSeconds"] = "1",
        ["Stats:HeatRankIntervalMs"] = "200",
        ["Stats:MaxBatchRecords"] = "500",
    };

    public async Task<Room> CreateLiveRoomAsync(long anchorUserId, string category, string title = "room")
    {
        var room = await RoomClient.CreateRoomAsync(new CreateRoomRequest { AnchorUserId = anchorUserId, Title = title, Category = category });
        return await RoomClient.StartLiveAsync(new StartLiveRequest { RoomId = room.Id });
    }

    public void ProduceMessage(long roomId, long seq, long userId, long timeMs, MessageKind kind = MessageKind.Danmaku) =>
        Produce(LiveMessagesTopic, roomId, new RoomMessage
        {
            RoomId = roomId,
            Seq = seq,
            UserId = userId,
            UserName = "user" + userId,
            Content = "hello",
            Kind = kind,
            TimestampMs = timeMs,
        });

    /// <summary>Queues a record as MessageService or a relay would (key = room id); <see cref="Flush"/> waits for delivery.</summary>
    public void Produce(string topic, long roomId, IMessage value) =>
        producer!.Produce(topic, new Message<string, byte[]> { Key = roomId.ToString(CultureInfo.InvariantCulture), Value = value.ToByteArray() });

    /// <summary>Queues bytes that are not what the topic carries, as a misbehaving producer might.</summary>
    public void ProduceRaw(string topic, long roomId, byte[] value) =>
        producer!.Produce(topic, new Message<string, byte[]> { Key = roomId.ToString(CultureInfo.InvariantCulture), Value = value });

    public void Flush() => producer!.Flush(TimeSpan.FromSeconds(30));

    /// <summary>Waits until the store's MySQL and Redis watermarks reach the end of every partition of the class's topics.</summary>
    public async Task WaitCaughtUpAsync(StatsStore store, TimeSpan timeout)
    {
        Flush();
        var ends = EndOffsets();
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            // Both stores: they apply a batch side by side, so the MySQL watermarks may lead Redis's by a batch.
            var applied = await store.AppliedOffsetsAsync();
            var keys = new StatsKeys(Options.Create(new StatsOptions { KeyPrefix = store.KeyPrefix }));
            var behind = new List<KeyValuePair<(string Topic, int Partition), long>>();
            foreach (var end in ends)
            {
                var inRedis = await Redis.StringGetAsync(keys.Watermark(end.Key.Topic, end.Key.Partition));
                if (applied.GetValueOrDefault((end.Key.Topic, end.Key.Partition)) < end.Value - 1 || !inRedis.HasValue || (long)inRedis < end.Value - 1)
                {
                    behind.Add(end);
                }
            }

            if (behind.Count == 0)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("StatsService did not catch up: " + string.Join(", ", behind.Select(b => $"{b.Key.Topic}[{b.Key.Partition}] end {b.Value}")));
            }

            await Task.Delay(100);
        }
    }

    /// <summary>High watermark of each partition that has records.</summary>
    public Dictionary<(string Topic, int Partition), long> EndOffsets()
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = TestEnvironment.Kafka, GroupId = "probe-" + Suffix }).Build();
        var ends = new Dictionary<(string, int), long>();
        foreach (var topic in Topics)
        {
            for (var p = 0; p < Partitions; p++)
            {
                var offsets = consumer.QueryWatermarkOffsets(new TopicPartition(topic, p), TimeSpan.FromSeconds(10));
                if (offsets.High.Value > 0)
                {
                    ends[(topic, p)] = offsets.High.Value;
                }
            }
        }

        return ends;
    }

    public const int Partitions = 4;

    /// <summary>
    /// The broker creates a topic (with its default of 4 partitions) when a producer asks for its metadata; it
    /// does not implement CreateTopics.
    /// </summary>
    private void CreateTopics()
    {
        using var admin = new DependentAdminClientBuilder(producer!.Handle).Build();
        foreach (var topic in Topics)
        {
            var metadata = admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics.Single();
            if (metadata.Partitions.Count != Partitions)
            {
                throw new InvalidOperationException($"topic {topic} has {metadata.Partitions.Count} partitions; the tests expect {Partitions}.");
            }
        }
    }

    private async Task<TestDatabase> OwnDatabaseAsync(string prefix)
    {
        var db = await TestDatabase.CreateAsync(prefix);
        owned.Add(db);
        return db;
    }
}

/// <summary>Where one StatsService keeps its state: a MySQL database, a Redis key prefix and a consumer group.</summary>
public sealed record StatsStore(string ConnectionString, string KeyPrefix, string ConsumerGroup)
{
    public async Task<Dictionary<(string Topic, int Partition), long>> AppliedOffsetsAsync()
    {
        await using var connection = new MySqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand("SELECT topic, partition_id, applied_offset FROM stats_offsets", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var offsets = new Dictionary<(string, int), long>();
        while (await reader.ReadAsync())
        {
            offsets[(reader.GetString(0), reader.GetInt32(1))] = reader.GetInt64(2);
        }

        return offsets;
    }

    /// <summary>Every rollup row as text, ordered, for comparing two stores.</summary>
    public async Task<List<string>> RollupsAsync()
    {
        await using var connection = new MySqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand("SELECT room_id, minute, messages, gifts, gift_value, unique_senders FROM room_minute_rollups WHERE messages > 0 OR gifts > 0 ORDER BY room_id, minute", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add(string.Create(CultureInfo.InvariantCulture, $"{reader.GetInt64(0)} {reader.GetDateTime(1):HH:mm} m={reader.GetInt64(2)} g={reader.GetInt64(3)} v={reader.GetInt64(4)} u={reader.GetInt64(5)}"));
        }

        return rows;
    }
}
