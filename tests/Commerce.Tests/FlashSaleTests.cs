using System.Globalization;
using Grpc.Core;
using Live.Testing;
using Live.V1;
using MySqlConnector;

namespace Live.Commerce.Tests;

/// <summary>
/// Flash sales under a crowd: exactly the stock is sold, nobody gets more than the limit, and every buyer who was
/// told "you won" has exactly one order in MySQL. The same crowd against <see cref="NaiveShop"/> breaks these
/// rules, which shows the checks catch the bug they are for.
/// </summary>
[Collection(CommerceCollection.Name)]
public sealed class FlashSaleTests(CommerceEnvironment env)
{
    private const int Crowd = 10_000;
    private const int Stock = 100;

    [Fact]
    public async Task Ten_thousand_buyers_for_a_hundred_units_make_exactly_a_hundred_orders_five_times_over()
    {
        for (var round = 0; round < 5; round++)
        {
            var sale = await env.OpenSaleAsync(anchorUserId: 1_000 + round, Stock, perUserLimit: 1);
            var firstBuyer = 1_000_000L * (round + 1);
            var presses = Enumerable.Range(0, Crowd).Select(i => (firstBuyer + i, "buy-" + i.ToString(CultureInfo.InvariantCulture), 1)).ToList();

            var outcomes = await Buyers.PressAsync(env.Client, sale.Id, presses);

            var winners = outcomes.Where(o => o.Status == StatusCode.OK).ToList();
            Assert.True(winners.Count == Stock && outcomes.Count(o => o.Status == StatusCode.ResourceExhausted) == Crowd - Stock,
                $"round {round}: {Buyers.Summary(outcomes)}");
            Assert.Equal(Stock, winners.Select(w => w.OrderId).Distinct().Count());
            Assert.Equal(Stock, await env.WaitForOrdersAsync(sale.Id, Stock, TimeSpan.FromSeconds(60)));
            var buyers = await OrderBuyersAsync(sale.Id);
            var remaining = (await env.Client.GetSaleAsync(new GetSaleRequest { SaleId = sale.Id })).Sale.RemainingStock;
            Assert.Empty(SaleInvariants.Check(Stock, 1, buyers, remaining, winners.Count));
            Assert.Equal(Stock, buyers.Distinct().Count());
            Assert.Equal(0, remaining);
            Assert.Equal(winners.Select(w => w.Buyer).Order(), buyers.Order());
        }
    }

    [Fact]
    public async Task The_naive_read_then_decrement_baseline_oversells_under_the_same_crowd()
    {
        await using var database = await TestDatabase.CreateAsync("naive_test");
        var shop = new NaiveShop(database.ConnectionString);
        var saleId = await shop.CreateSaleAsync(Stock, perUserLimit: 1);
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var presses = Enumerable.Range(0, Crowd).Select(async i =>
        {
            await start.Task;
            return await shop.PurchaseAsync(saleId, 5_000_000 + i);
        }).ToList();
        start.SetResult();
        var told = await Task.WhenAll(presses);

        var (buyers, stock) = await shop.ReadAsync(saleId);
        var broken = SaleInvariants.Check(Stock, 1, buyers, stock, told.Count(won => won));
        Assert.Contains(broken, b => b.StartsWith("oversold", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Greedy_buyers_with_a_limit_of_two_never_hold_more_than_two()
    {
        const int stock = 500;
        var sale = await env.OpenSaleAsync(anchorUserId: 2_000, stock, perUserLimit: 2);
        // 300 buyers each press four times at once with four keys, some for one unit and some for two.
        var presses = new List<(long, string, int)>();
        for (var buyer = 0; buyer < 300; buyer++)
        {
            for (var press = 0; press < 4; press++)
            {
                presses.Add((7_000_000 + buyer, $"greedy-{press}", press == 3 ? 2 : 1));
            }
        }

        var outcomes = await Buyers.PressAsync(env.Client, sale.Id, presses);

        Assert.All(outcomes, o => Assert.True(o.Status is StatusCode.OK or StatusCode.AlreadyExists or StatusCode.ResourceExhausted, Buyers.Summary(outcomes)));
        var units = await ScalarAsync($"SELECT COALESCE(SUM(quantity), 0) FROM orders WHERE sale_id = {sale.Id}", sale.Id, outcomes.Count(o => o.Status == StatusCode.OK));
        var most = await env.ScalarAsync($"SELECT COALESCE(MAX(units), 0) FROM (SELECT SUM(quantity) AS units FROM orders WHERE sale_id = {sale.Id} GROUP BY buyer_user_id) AS b");
        var remaining = (await env.Client.GetSaleAsync(new GetSaleRequest { SaleId = sale.Id })).Sale.RemainingStock;
        Assert.True(most <= 2, $"a buyer holds {most} units");
        Assert.Equal(stock, units + remaining);
        Assert.Equal(0, remaining);
        Assert.Contains(outcomes, o => o.Status == StatusCode.AlreadyExists && o.Detail.Contains("limit", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_purchase_retried_with_one_key_makes_one_order()
    {
        var sale = await env.OpenSaleAsync(anchorUserId: 3_000, stock: 10, perUserLimit: 3);
        const long buyer = 8_000_001;
        var request = new PurchaseRequest { SaleId = sale.Id, BuyerUserId = buyer, IdempotencyKey = "retried", Quantity = 2 };

        // Twenty retries race the first attempt, then five more follow it; every replay sends the record again.
        var racing = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => env.Client.PurchaseAsync(request).ResponseAsync));
        var responses = racing.ToList();
        for (var i = 0; i < 5; i++)
        {
            responses.Add(await env.Client.PurchaseAsync(request));
        }

        Assert.Single(responses, r => !r.Replayed);
        Assert.All(responses, r => Assert.Equal(responses[0].OrderId, r.OrderId));
        Assert.Equal(8, (await env.Client.GetSaleAsync(new GetSaleRequest { SaleId = sale.Id })).Sale.RemainingStock);
        var reused = await Assert.ThrowsAsync<RpcException>(() => env.Client.PurchaseAsync(
            new PurchaseRequest { SaleId = sale.Id, BuyerUserId = buyer, IdempotencyKey = "retried", Quantity = 1 }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, reused.StatusCode);

        // A record sent to a new seq after all the replays marks the end of the partition's stream.
        Assert.Equal(1, await env.WaitForOrdersAsync(sale.Id, 1, TimeSpan.FromSeconds(30)));
        var second = await env.Client.PurchaseAsync(new PurchaseRequest { SaleId = sale.Id, BuyerUserId = buyer, IdempotencyKey = "after", Quantity = 1 });
        Assert.False(second.Replayed);
        Assert.Equal(2, await env.WaitForOrdersAsync(sale.Id, 2, TimeSpan.FromSeconds(30)));
        Assert.Equal(1, await env.ScalarAsync($"SELECT COUNT(*) FROM orders WHERE sale_id = {sale.Id} AND idempotency_key = 'retried'"));
        Assert.Equal(3, await env.ScalarAsync($"SELECT SUM(quantity) FROM orders WHERE sale_id = {sale.Id}"));
    }

    private async Task<List<long>> OrderBuyersAsync(long saleId)
    {
        await using var connection = new MySqlConnection(env.ConnectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand($"SELECT buyer_user_id FROM orders WHERE sale_id = {saleId}", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var buyers = new List<long>();
        while (await reader.ReadAsync())
        {
            buyers.Add(reader.GetInt64(0));
        }

        return buyers;
    }

    private async Task<long> ScalarAsync(string sql, long saleId, int orders)
    {
        Assert.Equal(orders, await env.WaitForOrdersAsync(saleId, orders, TimeSpan.FromSeconds(60)));
        return await env.ScalarAsync(sql);
    }
}
