using Grpc.Core;
using Live.V1;

namespace Live.Commerce.Tests;

/// <summary>Many buyers pressing "buy" at once, and what each was told.</summary>
internal static class Buyers
{
    /// <summary>One purchase per (buyer, key), all started together; the outcome of each.</summary>
    public static async Task<PurchaseOutcome[]> PressAsync(CommerceServiceClient client, long saleId, IReadOnlyList<(long Buyer, string Key, int Quantity)> presses)
    {
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tasks = new Task<PurchaseOutcome>[presses.Count];
        for (var i = 0; i < presses.Count; i++)
        {
            var (buyer, key, quantity) = presses[i];
            tasks[i] = PressOnceAsync(client, start.Task, new PurchaseRequest { SaleId = saleId, BuyerUserId = buyer, IdempotencyKey = key, Quantity = quantity });
        }

        start.SetResult();
        return await Task.WhenAll(tasks);
    }

    private static async Task<PurchaseOutcome> PressOnceAsync(CommerceServiceClient client, Task start, PurchaseRequest request)
    {
        await start;
        try
        {
            var response = await client.PurchaseAsync(request, deadline: DateTime.UtcNow.AddSeconds(60));
            return new PurchaseOutcome(request.BuyerUserId, StatusCode.OK, response.OrderId, response.Replayed, string.Empty);
        }
        catch (RpcException ex)
        {
            return new PurchaseOutcome(request.BuyerUserId, ex.StatusCode, string.Empty, false, ex.Status.Detail);
        }
    }

    public static string Summary(IEnumerable<PurchaseOutcome> outcomes) =>
        string.Join(", ", outcomes.GroupBy(o => o.Status).Select(g => $"{g.Key} ×{g.Count()} (e.g. '{g.First().Detail}')"));
}

internal sealed record PurchaseOutcome(long Buyer, StatusCode Status, string OrderId, bool Replayed, string Detail);

/// <summary>What a flash sale must end with, checked the same way for the service and for the naive baseline.</summary>
internal static class SaleInvariants
{
    /// <param name="orders">Buyer of every order in MySQL (one entry per unit for quantity 1).</param>
    /// <returns>Every broken rule, empty when the sale is right.</returns>
    public static List<string> Check(int stock, int perUserLimit, IReadOnlyCollection<long> orders, long remainingStock, int winners)
    {
        var broken = new List<string>();
        if (orders.Count > stock)
        {
            broken.Add($"oversold: {orders.Count} orders for {stock} units");
        }

        if (orders.Count != winners)
        {
            broken.Add($"{winners} buyers were told they won, {orders.Count} orders exist");
        }

        var over = orders.GroupBy(b => b).Count(g => g.Count() > perUserLimit);
        if (over > 0)
        {
            broken.Add($"{over} buyers hold more than {perUserLimit}");
        }

        if (remainingStock + orders.Count != stock)
        {
            broken.Add($"stock {remainingStock} + orders {orders.Count} != {stock}");
        }

        return broken;
    }
}
