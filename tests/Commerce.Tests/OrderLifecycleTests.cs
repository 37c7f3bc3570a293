using System.Globalization;
using Confluent.Kafka;
using Google.Protobuf;
using Grpc.Core;
using Live.CommerceService.Orders;
using Live.V1;
using Microsoft.Extensions.DependencyInjection;

namespace Live.Commerce.Tests;

/// <summary>What happens to orders after the buyer's answer: the writer's crash, unpaid orders, the room's messages.</summary>
[Collection(CommerceCollection.Name)]
public sealed class OrderLifecycleTests(CommerceEnvironment env)
{
    [Fact]
    public async Task Killing_the_order_writer_mid_stream_loses_and_duplicates_nothing()
    {
        const int stock = 1_000;
        var topic = "orders-crash-" + env.Suffix;
        var group = "commerce-crash-" + env.Suffix;
        var onTopic = new Dictionary<string, string?> { ["Commerce:OrdersTopic"] = topic, ["Commerce:ConsumerGroup"] = group };
        env.EnsureTopic(topic);
        // Purchases on a node without a writer; the writer on a node of its own, which the test kills.
        var front = await env.StartCommerceAsync(new Dictionary<string, string?>(onTopic) { ["Commerce:OrderWriterEnabled"] = "false" });
        var writer = await env.StartCommerceAsync(new Dictionary<string, string?>(onTopic) { ["Commerce:WriterBatchSize"] = "50" });
        var sale = await env.OpenSaleAsync(anchorUserId: 4_000, stock, perUserLimit: 1);
        var client = new CommerceServiceClient(front.Channel);
        var presses = Enumerable.Range(0, 3_000).Select(i => (9_000_000L + i, "crash", 1)).ToList();

        var pressing = Buyers.PressAsync(client, sale.Id, presses);
        await env.WaitForOrdersAsync(sale.Id, 200, TimeSpan.FromSeconds(60));
        await env.StopCommerceAsync(writer);
        var outcomes = await pressing;
        var winners = outcomes.Where(o => o.Status == StatusCode.OK).ToList();
        Assert.True(winners.Count == stock, Buyers.Summary(outcomes));

        // The stopped writer finished the batch it had begun and committed it; a crash would leave that batch
        // uncommitted, to be delivered again. Every reservation delivered a second time, as a producer retry or a replay would, then a marker with a
        // seq no purchase made, behind them on the sale's partition: once the marker is in, all were read.
        const long marker = 1_000_000;
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        using (var producer = env.NewProducer())
        {
            foreach (var winner in winners)
            {
                OrderIds.TryParse(winner.OrderId, out _, out var seq);
                Produce(producer, topic, new OrderReservation { SaleId = sale.Id, Seq = seq, RoomId = sale.RoomId, BuyerUserId = winner.Buyer, Quantity = 1, UnitPrice = 10, IdempotencyKey = "crash", ReservedAtMs = now });
            }

            Produce(producer, topic, new OrderReservation { SaleId = sale.Id, Seq = marker, RoomId = sale.RoomId, BuyerUserId = 1, Quantity = 1, UnitPrice = 10, IdempotencyKey = "marker", ReservedAtMs = now });
            producer.Flush(TimeSpan.FromSeconds(10));
        }

        var restarted = await env.StartCommerceAsync(onTopic);
        Assert.Equal(stock + 1, await env.WaitForOrdersAsync(sale.Id, stock + 1, TimeSpan.FromSeconds(90)));
        await env.ScalarAsync($"DELETE FROM orders WHERE sale_id = {sale.Id} AND seq = {marker}");
        await env.StopCommerceAsync(restarted);
        await env.StopCommerceAsync(front);

        Assert.Equal(stock, await env.ScalarAsync($"SELECT COUNT(*) FROM orders WHERE sale_id = {sale.Id}"));
        Assert.Equal(stock, await env.ScalarAsync($"SELECT COUNT(DISTINCT buyer_user_id) FROM orders WHERE sale_id = {sale.Id}"));
        Assert.Equal(stock, await env.ScalarAsync($"SELECT COUNT(DISTINCT seq) FROM orders WHERE sale_id = {sale.Id} AND seq BETWEEN 1 AND {stock}"));
        var differences = await env.Commerce.Services.GetRequiredService<SaleReconciler>().ReconcileAsync(CancellationToken.None);
        var remaining = (await env.Client.GetSaleAsync(new GetSaleRequest { SaleId = sale.Id })).Sale.RemainingStock;
        var notPending = await env.ScalarAsync($"SELECT COUNT(*) FROM orders WHERE sale_id = {sale.Id} AND status <> 0");
        var units = await env.ScalarAsync($"SELECT SUM(quantity) FROM orders WHERE sale_id = {sale.Id}");
        Assert.True(differences[sale.Id] == 0, $"difference {differences[sale.Id]}, Redis stock {remaining}, units in orders {units}, orders not pending {notPending}");
    }

    [Fact]
    public async Task An_unpaid_order_gives_its_units_back_and_the_next_buyer_pays()
    {
        // A node whose sweeper expires orders after a second; the environment's node writes them.
        var sweeper = await env.StartCommerceAsync(new Dictionary<string, string?> { ["Commerce:PaymentTimeoutSeconds"] = "1", ["Commerce:SweepIntervalMs"] = "200", ["Commerce:OrderWriterEnabled"] = "false" });
        var client = new CommerceServiceClient(sweeper.Channel);
        var sale = await env.OpenSaleAsync(anchorUserId: 5_000, stock: 1, perUserLimit: 1, price: 30);
        const long unpaid = 10_000_001;
        const long paying = 10_000_002;
        await client.TopUpBalanceAsync(new TopUpBalanceRequest { UserId = paying, Amount = 100, IdempotencyKey = "topup-" + env.Suffix });

        var first = await client.PurchaseAsync(new PurchaseRequest { SaleId = sale.Id, BuyerUserId = unpaid, IdempotencyKey = "k", Quantity = 1 });
        var refused = await Assert.ThrowsAsync<RpcException>(() => client.PurchaseAsync(new PurchaseRequest { SaleId = sale.Id, BuyerUserId = paying, IdempotencyKey = "k1", Quantity = 1 }).ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);

        // The first buyer has no coins: the order stays pending until the payment timeout, then expires.
        var expired = await WaitForOrderAsync(client, first.OrderId, OrderStatus.Expired, TimeSpan.FromSeconds(30));
        Assert.Equal(OrderStatus.Expired, expired);
        Assert.Equal(1, await WaitForRemainingAsync(client, sale.Id, 1, TimeSpan.FromSeconds(10)));

        // The unit is sellable again (once the node's sold-out flag has aged out) and the next buyer pays for it.
        var second = await RetryWhileSoldOutAsync(client, new PurchaseRequest { SaleId = sale.Id, BuyerUserId = paying, IdempotencyKey = "k2", Quantity = 1 });
        Assert.Equal(OrderStatus.Paid, await WaitForOrderAsync(client, second.OrderId, OrderStatus.Paid, TimeSpan.FromSeconds(30)));
        Assert.Equal(70, await env.ScalarAsync($"SELECT balance FROM balances WHERE user_id = {paying}"));
        Assert.Equal(-30, await env.ScalarAsync($"SELECT amount FROM ledger WHERE reference = 'order:{second.OrderId}'"));
        var differences = await sweeper.Services.GetRequiredService<SaleReconciler>().ReconcileAsync(CancellationToken.None);
        Assert.Equal(0, differences[sale.Id]);
        await env.StopCommerceAsync(sweeper);
    }

    [Fact]
    public async Task The_room_hears_the_sale_start_its_stock_go_down_and_sell_out()
    {
        var sale = await env.OpenSaleAsync(anchorUserId: 6_000, stock: 3, perUserLimit: 1);
        var messages = new MessageServiceClient(env.Cluster.MessageServices[0].Channel);
        await WaitForContentAsync(messages, sale.RoomId, $"Sale {sale.Id} started: Lamp, 3 at 10 coins");

        await env.Client.PurchaseAsync(new PurchaseRequest { SaleId = sale.Id, BuyerUserId = 11_000_001, IdempotencyKey = "a", Quantity = 1 });
        await WaitForContentAsync(messages, sale.RoomId, $"Sale {sale.Id}: 2 left");
        await env.Client.PurchaseAsync(new PurchaseRequest { SaleId = sale.Id, BuyerUserId = 11_000_002, IdempotencyKey = "a", Quantity = 1 });
        await env.Client.PurchaseAsync(new PurchaseRequest { SaleId = sale.Id, BuyerUserId = 11_000_003, IdempotencyKey = "a", Quantity = 1 });
        var history = await WaitForContentAsync(messages, sale.RoomId, $"Sale {sale.Id} is sold out");

        Assert.All(history.Where(m => m.Content.StartsWith($"Sale {sale.Id}", StringComparison.Ordinal)), m => Assert.Equal(MessageKind.System, m.Kind));
        Assert.Single(history, m => m.Content == $"Sale {sale.Id} is sold out");
    }

    private static void Produce(IProducer<string, byte[]> producer, string topic, OrderReservation reservation) =>
        producer.Produce(topic, new Message<string, byte[]> { Key = reservation.SaleId.ToString(CultureInfo.InvariantCulture), Value = reservation.ToByteArray() });

    private static async Task<List<RoomMessage>> WaitForContentAsync(MessageServiceClient messages, long roomId, string content)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            var history = (await messages.GetHistoryAsync(new GetHistoryRequest { RoomId = roomId, Limit = 500 })).Messages.ToList();
            if (history.Any(m => m.Content == content) || DateTime.UtcNow > deadline)
            {
                Assert.True(history.Any(m => m.Content == content), $"room {roomId} never showed '{content}'; it has: {string.Join(" | ", history.Select(m => m.Content))}");
                return history;
            }

            await Task.Delay(100);
        }
    }

    private static async Task<OrderStatus> WaitForOrderAsync(CommerceServiceClient client, string orderId, OrderStatus wanted, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var status = OrderStatus.Unspecified;
        while (status != wanted && DateTime.UtcNow < deadline)
        {
            try
            {
                status = (await client.GetOrderAsync(new GetOrderRequest { OrderId = orderId })).Order.Status;
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
            {
                // Not written yet.
            }

            await Task.Delay(100);
        }

        return status;
    }

    private static async Task<int> WaitForRemainingAsync(CommerceServiceClient client, long saleId, int wanted, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        int remaining;
        while ((remaining = (await client.GetSaleAsync(new GetSaleRequest { SaleId = saleId })).Sale.RemainingStock) != wanted && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        return remaining;
    }

    private static async Task<PurchaseResponse> RetryWhileSoldOutAsync(CommerceServiceClient client, PurchaseRequest request)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            try
            {
                return await client.PurchaseAsync(request);
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.ResourceExhausted && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }
        }
    }
}
