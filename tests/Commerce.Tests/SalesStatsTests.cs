using System.Globalization;
using Confluent.Kafka;
using Google.Protobuf;
using Live.Data;
using Live.StatsService;
using Live.StatsService.Data;
using Live.StatsService.Storage;
using Live.Testing;
using Live.V1;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Live.Commerce.Tests;

/// <summary>
/// Paid orders reach StatsService's GetRoomStats through the sale outbox and Kafka `commerce-sales`, once each:
/// a StatsService of its own (database, key prefix, group, topics) beside the class's CommerceService.
/// </summary>
[Collection(CommerceCollection.Name)]
public sealed class SalesStatsTests(CommerceEnvironment env)
{
    [Fact]
    public async Task A_paid_order_counts_once_in_the_rooms_stats_a_redelivery_does_not_and_an_expired_one_never()
    {
        var (stats, keys, database) = await StartStatsAsync();
        await using var statsDatabase = database;
        var statsClient = new StatsServiceClient(stats.Channel);
        // A node whose sweeper expires unpaid orders after a second; the environment's node writes and pays them.
        var sweeper = await env.StartCommerceAsync(new Dictionary<string, string?> { ["Commerce:PaymentTimeoutSeconds"] = "1", ["Commerce:SweepIntervalMs"] = "200", ["Commerce:OrderWriterEnabled"] = "false" });
        var client = new CommerceServiceClient(sweeper.Channel);
        var sale = await env.OpenSaleAsync(anchorUserId: 7_000, stock: 5, perUserLimit: 2, price: 30);
        const long paying = 12_000_001;
        const long unpaid = 12_000_002;
        await client.TopUpBalanceAsync(new TopUpBalanceRequest { UserId = paying, Amount = 100, IdempotencyKey = "stats-topup-" + env.Suffix });

        var paid = await client.PurchaseAsync(new PurchaseRequest { SaleId = sale.Id, BuyerUserId = paying, IdempotencyKey = "s1", Quantity = 2 });
        var expired = await client.PurchaseAsync(new PurchaseRequest { SaleId = sale.Id, BuyerUserId = unpaid, IdempotencyKey = "s1", Quantity = 1 });
        Assert.Equal(OrderStatus.Paid, await WaitForStatusAsync(client, paid.OrderId, OrderStatus.Paid));
        Assert.Equal(OrderStatus.Expired, await WaitForStatusAsync(client, expired.OrderId, OrderStatus.Expired));

        await WaitCaughtUpAsync(keys, stats);
        var room = await statsClient.GetRoomStatsAsync(new GetRoomStatsRequest { RoomId = sale.RoomId });
        Assert.Equal((1L, 2L, 60L), (room.Orders, room.UnitsSold, room.SalesRevenueCoins));

        // The relay delivers at least once: the same order published again, at a later offset, changes nothing.
        var again = new SaleEvent { OrderId = paid.OrderId, SaleId = sale.Id, RoomId = sale.RoomId, BuyerUserId = paying, Units = 2, Coins = 60, PaidAtMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() };
        using (var producer = env.NewProducer())
        {
            producer.Produce(env.SalesTopic, new Message<string, byte[]> { Key = sale.RoomId.ToString(CultureInfo.InvariantCulture), Value = again.ToByteArray() });
            producer.Flush(TimeSpan.FromSeconds(10));
        }

        await WaitCaughtUpAsync(keys, stats);
        room = await statsClient.GetRoomStatsAsync(new GetRoomStatsRequest { RoomId = sale.RoomId });
        Assert.Equal((1L, 2L, 60L), (room.Orders, room.UnitsSold, room.SalesRevenueCoins));
        Assert.Equal(0, await env.ScalarAsync($"SELECT COUNT(*) FROM sale_outbox WHERE event_id = '{paid.OrderId}'"));

        await env.StopCommerceAsync(sweeper);
        await stats.DisposeAsync();
        stats.Logs.AssertNoErrors();
    }

    private async Task<(TestHost Host, StatsKeys Keys, TestDatabase Database)> StartStatsAsync()
    {
        var database = await TestDatabase.CreateAsync("stats_sales_test");
        var options = new DbContextOptionsBuilder<StatsDbContext>();
        PlatformDatabase.Configure(options, database.ConnectionString);
        await using (var db = new StatsDbContext(options.Options))
        {
            await db.Database.MigrateAsync();
        }

        var prefix = $"stats-sales-test:{env.Suffix}:";
        var ownTopics = new[] { "live-messages-" + env.Suffix, "room-events-" + env.Suffix, "gift-events-" + env.Suffix };
        foreach (var topic in ownTopics)
        {
            env.EnsureTopic(topic);
        }

        var host = await TestHost.StartAsync(StatsServiceApp.Build, new Dictionary<string, string?>
        {
            ["ConnectionStrings:MySql"] = database.ConnectionString,
            ["ConnectionStrings:Redis"] = TestEnvironment.Redis,
            ["Kafka:BootstrapServers"] = TestEnvironment.Kafka,
            ["Services:RoomService"] = env.Cluster.Rooms.GrpcAddress.ToString(),
            ["Stats:KeyPrefix"] = prefix,
            ["Stats:ConsumerGroup"] = "stats-sales-" + env.Suffix,
            ["Stats:LiveMessagesTopic"] = ownTopics[0],
            ["Stats:RoomEventsTopic"] = ownTopics[1],
            ["Stats:GiftEventsTopic"] = ownTopics[2],
            ["Stats:SalesTopic"] = env.SalesTopic,
        });
        return (host, new StatsKeys(Options.Create(new StatsOptions { KeyPrefix = prefix })), database);
    }

    /// <summary>Waits until the sale outbox is empty and StatsService's Redis watermarks reach the end of every partition of the sales topic.</summary>
    private async Task WaitCaughtUpAsync(StatsKeys keys, TestHost stats)
    {
        var redis = stats.Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await env.ScalarAsync("SELECT COUNT(*) FROM sale_outbox") > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = TestEnvironment.Kafka, GroupId = "probe-" + env.Suffix }).Build();
        using var admin = new DependentAdminClientBuilder(consumer.Handle).Build();
        var metadata = admin.GetMetadata(env.SalesTopic, TimeSpan.FromSeconds(10));
        foreach (var partition in metadata.Topics.Single().Partitions.Select(p => p.PartitionId))
        {
            var end = consumer.QueryWatermarkOffsets(new TopicPartition(env.SalesTopic, partition), TimeSpan.FromSeconds(10)).High.Value;
            while (end > 0 && await AppliedAsync(redis, keys, partition) < end - 1)
            {
                Assert.True(DateTime.UtcNow < deadline, $"StatsService did not reach offset {end - 1} of {env.SalesTopic}[{partition}]");
                await Task.Delay(100);
            }
        }
    }

    private async Task<long> AppliedAsync(IDatabase redis, StatsKeys keys, int partition)
    {
        var watermark = await redis.StringGetAsync(keys.Watermark(env.SalesTopic, partition));
        return watermark.HasValue ? (long)watermark : -1;
    }

    private static async Task<OrderStatus> WaitForStatusAsync(CommerceServiceClient client, string orderId, OrderStatus wanted)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        var status = OrderStatus.Unspecified;
        while (status != wanted && DateTime.UtcNow < deadline)
        {
            try
            {
                status = (await client.GetOrderAsync(new GetOrderRequest { OrderId = orderId })).Order.Status;
            }
            catch (Grpc.Core.RpcException ex) when (ex.StatusCode == Grpc.Core.StatusCode.NotFound)
            {
                // Still on its way from Kafka to MySQL.
            }

            if (status != wanted)
            {
                await Task.Delay(100);
            }
        }

        return status;
    }
}
