using Grpc.Core;
using Live.CommerceService.Sales;
using Live.V1;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Live.Commerce.Tests;

/// <summary>A winner's retry after the node saw "sold out" gets its order, not "sold out" (docs/commerce.md, "Sold-out flag").</summary>
[Collection(CommerceCollection.Name)]
public sealed class SoldOutRetryTests(CommerceEnvironment env)
{
    [Fact]
    public async Task A_winner_retrying_after_the_sell_out_gets_its_order_first_from_Redis_then_from_the_loaded_keys()
    {
        // A long flag, so every retry below meets it; no writer of its own (the environment's node writes).
        var node = await env.StartCommerceAsync(new Dictionary<string, string?>
        {
            ["Commerce:SoldOutFlagMs"] = "60000",
            ["Commerce:OrderWriterEnabled"] = "false",
        });
        var client = new CommerceServiceClient(node.Channel);
        var sale = await env.OpenSaleAsync(anchorUserId: 6_400, stock: 3, perUserLimit: 1);
        var orders = new Dictionary<long, string>();
        for (var buyer = 6_401L; buyer <= 6_403; buyer++)
        {
            orders[buyer] = (await client.PurchaseAsync(Press(sale.Id, buyer))).OrderId;
        }

        // Right after the last unit: the flag is up; a retry is answered (by Redis while the keys load, or from them).
        var retry = await client.PurchaseAsync(Press(sale.Id, 6_403));
        Assert.True(retry.Replayed);
        Assert.Equal(orders[6_403], retry.OrderId);

        var flags = node.Services.GetRequiredService<SoldOutFlags>();
        for (var i = 0; i < 100 && !flags.IsLoaded(sale.Id); i++)
        {
            await Task.Delay(50);
        }

        Assert.True(flags.IsLoaded(sale.Id), "the sold-out sale's keys were not loaded within 5 s");
        // Redis forgets the keys: what follows can only come from the node's memory.
        await node.Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase().KeyDeleteAsync(SaleKeys.For(sale.Id).IdempotencyKeys);
        foreach (var (buyer, orderId) in orders)
        {
            var again = await client.PurchaseAsync(Press(sale.Id, buyer));
            Assert.True(again.Replayed);
            Assert.Equal(orderId, again.OrderId);
            Assert.Equal(0, again.RemainingStock);
        }

        var newcomer = await Assert.ThrowsAsync<RpcException>(() => client.PurchaseAsync(Press(sale.Id, 6_404)).ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, newcomer.StatusCode);
        Assert.Contains("sold out", newcomer.Status.Detail);
        var otherQuantity = await Assert.ThrowsAsync<RpcException>(() => client.PurchaseAsync(Press(sale.Id, 6_401, quantity: 2)).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, otherQuantity.StatusCode);
        Assert.Equal(3, await env.WaitForOrdersAsync(sale.Id, 3, TimeSpan.FromSeconds(30)));
        await env.StopCommerceAsync(node);
    }

    private static PurchaseRequest Press(long saleId, long buyer, int quantity = 1) =>
        new() { SaleId = saleId, BuyerUserId = buyer, Quantity = quantity, IdempotencyKey = "press-" + buyer };
}
