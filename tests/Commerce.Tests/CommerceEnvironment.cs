using System.Globalization;
using Confluent.Kafka;
using Live.CommerceService;
using Live.CommerceService.Data;
using Live.Data;
using Live.Kafka;
using Live.Realtime.Tests;
using Live.Testing;
using Live.V1;
using Microsoft.EntityFrameworkCore;
using MySqlConnector;

namespace Live.Commerce.Tests;

/// <summary>
/// CommerceService on real MariaDB, Redis and the Kafka-protocol broker, beside the real-time core its sales are
/// announced through (RoomService, one MessageService). The class's own database, orders topic and consumer
/// group, and a random sale id range (sale keys live in the shared Redis), keep runs apart.
/// </summary>
public sealed class CommerceEnvironment : IAsyncLifetime
{
    private readonly List<TestHost> hosts = [];
    private TestDatabase? database;

    /// <summary>The room pass key of the suite's Edge and CommerceService nodes (RoomPass:Key).</summary>
    public static readonly byte[] RoomPassKey = System.Text.Encoding.ASCII.GetBytes("commerce-tests-room-pass-key-0123456789");

    public string Suffix { get; } = Guid.NewGuid().ToString("N")[..12];
    public string OrdersTopic => "orders-" + Suffix;
    public string SalesTopic => "commerce-sales-" + Suffix;
    public RealtimeCluster Cluster { get; private set; } = null!;
    public TestHost Commerce { get; private set; } = null!;
    public CommerceServiceClient Client { get; private set; } = null!;
    public RoomServiceClient Rooms { get; private set; } = null!;
    public string ConnectionString => database!.ConnectionString;

    public async Task InitializeAsync()
    {
        KafkaNativeLibrary.Load();
        // Every host of the suite runs in this process beside 10,000 buyers' calls, which hold a 2-core
        // machine's thread pool for seconds: a MariaDB connect queued behind them outlasts the 3 s that
        // PlatformDatabase gives by default, so the suite's databases (and so its hosts) get 20 s.
        Environment.SetEnvironmentVariable("LIVE_TEST_MYSQL",
            new MySqlConnectionStringBuilder(TestEnvironment.MySql) { ConnectionTimeout = 20 }.ConnectionString);
        Cluster = await new RealtimeClusterBuilder("commerce_test").WithNodes(1)
            .WithEdgeSettings(new Dictionary<string, string?> { ["RoomPass:Key"] = Convert.ToBase64String(RoomPassKey) })
            .StartAsync();
        Rooms = new RoomServiceClient(Cluster.Rooms.Channel);
        database = await TestDatabase.CreateAsync("commerce_test");
        var options = new DbContextOptionsBuilder<CommerceDbContext>();
        PlatformDatabase.Configure(options, database.ConnectionString);
        await using (var db = new CommerceDbContext(options.Options))
        {
            await db.Database.MigrateAsync();
            var firstId = Random.Shared.NextInt64(1_000, 9_000_000) * 1_000_000_000;
#pragma warning disable EF1002 // A number we generated; DDL takes no parameters.
            await db.Database.ExecuteSqlRawAsync($"ALTER TABLE sales AUTO_INCREMENT = {firstId.ToString(CultureInfo.InvariantCulture)}");
#pragma warning restore EF1002
        }

        EnsureTopic(OrdersTopic);
        EnsureTopic(SalesTopic);
        Commerce = await StartCommerceAsync();
        Client = new CommerceServiceClient(Commerce.Channel);
    }

    /// <summary>Another CommerceService node on the class's database and topic; stopped with the environment unless the test disposes it.</summary>
    public async Task<TestHost> StartCommerceAsync(IDictionary<string, string?>? overrides = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:MySql"] = database!.ConnectionString,
            ["ConnectionStrings:Redis"] = TestEnvironment.Redis,
            ["Kafka:BootstrapServers"] = TestEnvironment.Kafka,
            ["Services:RoomService"] = Cluster.Rooms.GrpcAddress.ToString(),
            ["Services:MessageService"] = Cluster.MessageServices[0].GrpcAddress.ToString(),
            ["Identity:ProxySecret"] = RealtimeCluster.ProxySecret,
            ["RoomPass:Key"] = Convert.ToBase64String(RoomPassKey),
            ["Commerce:OrdersTopic"] = OrdersTopic,
            ["Commerce:SalesTopic"] = SalesTopic,
            ["Commerce:ConsumerGroup"] = "commerce-orders-" + Suffix,
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var host = await TestHost.StartAsync(CommerceServiceApp.Build, settings);
        hosts.Add(host);
        return host;
    }

    /// <summary>Stops a node the test started (as a crash or a deploy would), and checks its log.</summary>
    public async Task StopCommerceAsync(TestHost host)
    {
        hosts.Remove(host);
        await host.DisposeAsync();
        host.Logs.AssertNoErrors();
    }

    /// <summary>A live room of <paramref name="anchorUserId"/> with a product of theirs on sale now, for an hour.</summary>
    public async Task<Sale> OpenSaleAsync(long anchorUserId, int stock, int perUserLimit, long price = 10)
    {
        var room = await Rooms.CreateRoomAsync(new CreateRoomRequest { AnchorUserId = anchorUserId, Title = "flash sale", Category = "shopping" });
        await Rooms.StartLiveAsync(new StartLiveRequest { RoomId = room.Id });
        var product = await Client.CreateProductAsync(new CreateProductRequest { AnchorUserId = anchorUserId, Name = "Lamp", Price = price });
        var scheduled = await Client.ScheduleSaleAsync(new ScheduleSaleRequest
        {
            RoomId = room.Id,
            ProductId = product.Product.Id,
            Stock = stock,
            PerUserLimit = perUserLimit,
            EndsAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(DateTime.UtcNow.AddHours(1)),
        });
        return scheduled.Sale;
    }

    /// <summary>Waits until MySQL holds <paramref name="count"/> orders of the sale (the writer is asynchronous).</summary>
    public async Task<long> WaitForOrdersAsync(long saleId, long count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        long written;
        while ((written = await ScalarAsync($"SELECT COUNT(*) FROM orders WHERE sale_id = {saleId}")) < count && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        return written;
    }

    public async Task<long> ScalarAsync(string sql)
    {
        await using var connection = new MySqlConnection(database!.ConnectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(sql, connection);
        var value = await command.ExecuteScalarAsync();
        return value is null or DBNull ? 0 : Convert.ToInt64(value, CultureInfo.InvariantCulture);
    }

    /// <summary>Makes the topic exist before a writer subscribes (the local broker creates a topic when asked for its metadata).</summary>
    public void EnsureTopic(string topic)
    {
        using var producer = NewProducer();
        using var admin = new DependentAdminClientBuilder(producer.Handle).Build();
        admin.GetMetadata(topic, TimeSpan.FromSeconds(10));
    }

    public IProducer<string, byte[]> NewProducer() =>
        new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = TestEnvironment.Kafka, EnableIdempotence = true, LingerMs = 2 }).Build();

    public async Task DisposeAsync()
    {
        foreach (var host in hosts)
        {
            await host.DisposeAsync();
        }

        if (Cluster is not null)
        {
            await Cluster.DisposeAsync();
        }

        if (database is not null)
        {
            await database.DisposeAsync();
        }

        foreach (var host in hosts)
        {
            host.Logs.AssertNoErrors();
        }
    }
}
