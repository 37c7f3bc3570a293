using System.Globalization;
using Grpc.Core;
using Live.V1;

namespace Live.Proxy.Tests;

public sealed class PurchaseRoutingFixture : ProxyEnvironmentFixture
{
    public const int PurchasesPerWindow = 3;

    protected override bool WithCommerce => true;

    protected override IDictionary<string, string?> ProxySettings => new Dictionary<string, string?>
    {
        ["Limits:PurchasePerUser:PermitLimit"] = PurchasesPerWindow.ToString(CultureInfo.InvariantCulture),
        ["Limits:PurchasePerUser:WindowSeconds"] = "10",
    };
}

/// <summary>CommerceService's Purchase through the real Proxy: routed, signed-in only, and held to its own per-user window.</summary>
public sealed class PurchaseRoutingTests(PurchaseRoutingFixture fixture) : IClassFixture<PurchaseRoutingFixture>
{
    private static readonly PurchaseRequest NoSuchSale = new() { SaleId = 987_654_321, Quantity = 1, IdempotencyKey = "routed" };

    private ProxyEnvironment Env => fixture.Environment;

    [Fact]
    public async Task A_guest_is_refused_at_the_door_and_a_signed_in_buyer_reaches_CommerceService_as_themself()
    {
        var commerce = new CommerceServiceClient(Env.Proxy.Channel);
        var guest = await Assert.ThrowsAsync<RpcException>(() => commerce.PurchaseAsync(NoSuchSale).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, guest.StatusCode);

        // The answer comes from CommerceService (the sale's room is looked up for the buyer's pass): routed, with identity.
        var (_, tokens, _) = await Env.RegisterAndLoginAsync(asAnchor: false);
        var routed = await Assert.ThrowsAsync<RpcException>(() => commerce.PurchaseAsync(NoSuchSale, ProxyEnvironment.Bearer(tokens.AccessToken)).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, routed.StatusCode);
        Assert.Equal("sale 987654321 does not exist.", routed.Status.Detail);
    }

    [Fact]
    public async Task Purchases_over_the_per_user_window_are_RESOURCE_EXHAUSTED_with_retry_after()
    {
        var commerce = new CommerceServiceClient(Env.Proxy.Channel);
        var (_, tokens, _) = await Env.RegisterAndLoginAsync(asAnchor: false);
        var bearer = ProxyEnvironment.Bearer(tokens.AccessToken);
        for (var i = 0; i < PurchaseRoutingFixture.PurchasesPerWindow; i++)
        {
            var answered = await Assert.ThrowsAsync<RpcException>(() => commerce.PurchaseAsync(NoSuchSale, bearer).ResponseAsync);
            Assert.Equal(StatusCode.NotFound, answered.StatusCode);
        }

        var limited = await Assert.ThrowsAsync<RpcException>(() => commerce.PurchaseAsync(NoSuchSale, bearer).ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, limited.StatusCode);
        Assert.InRange(int.Parse(limited.Trailers.GetValue("retry-after")!, CultureInfo.InvariantCulture), 1, 10);

        // Only Purchase has this window: the user's other commerce calls still pass the door.
        var order = await Assert.ThrowsAsync<RpcException>(() => commerce.GetOrderAsync(new GetOrderRequest { OrderId = "987654321-1" }, bearer).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, order.StatusCode);
    }
}
