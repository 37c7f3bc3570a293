using Grpc.Core;
using Google.Protobuf.WellKnownTypes;
using Live.CommerceService.Data;
using Live.CommerceService.Orders;
using Live.CommerceService.Sales;
using Live.CommerceService.Telemetry;
using Live.ServiceDefaults.Grpc;
using Live.ServiceDefaults.Identity;
using Live.V1;
using Microsoft.EntityFrameworkCore;

namespace Live.CommerceService.Grpc;

public sealed class CommerceGrpcService(
    SaleStore sales,
    PurchaseHandler purchases,
    RoomPassGate roomPasses,
    BalanceStore balances,
    CommerceDbContext db,
    RoomServiceClient rooms,
    ILogger<CommerceGrpcService> logger) : Live.V1.CommerceService.CommerceServiceBase
{
    public override async Task<CreateProductResponse> CreateProduct(CreateProductRequest request, ServerCallContext context)
    {
        var caller = context.RequireSignedIn();
        var anchor = caller.ActingFor(request.AnchorUserId, "anchor_user_id");
        if (caller.IsUser && !caller.IsAdmin && !caller.HasRole(PlatformRoles.Anchor))
        {
            RpcErrors.PermissionDenied($"products are created by anchors; {caller} is not one.");
        }

        var product = await sales.CreateProductAsync(anchor, request.Name, request.Price, request.ImageUrl, context.CancellationToken);
        return new CreateProductResponse { Product = product.ToProto() };
    }

    public override async Task<ScheduleSaleResponse> ScheduleSale(ScheduleSaleRequest request, ServerCallContext context)
    {
        var caller = context.RequireSignedIn();
        RpcErrors.RequirePositiveId(request.RoomId, "room_id");
        RpcErrors.RequirePositiveId(request.ProductId, "product_id");
        var room = await GetRoomAsync(request.RoomId, context.CancellationToken);
        RequireAnchorOrPrivileged(caller, room.AnchorUserId, $"room {room.Id}");
        var product = await sales.FindProductAsync(request.ProductId, context.CancellationToken);
        if (product is null)
        {
            RpcErrors.NotFound($"product {request.ProductId} does not exist.");
        }

        if (product.AnchorUserId != room.AnchorUserId)
        {
            RpcErrors.PermissionDenied($"product {product.Id} belongs to user {product.AnchorUserId}, not to room {room.Id}'s anchor.");
        }

        var sale = await sales.ScheduleAsync(room.Id, product, request.Stock, request.PerUserLimit, request.StartsAt, request.EndsAt, context.CancellationToken);
        Log.SaleScheduled(logger, sale.Id, sale.RoomId, sale.InitialStock, sale.PerUserLimit, sale.StartsAt, sale.EndsAt);
        return new ScheduleSaleResponse { Sale = await sales.ToProtoAsync(sale, product) };
    }

    public override async Task<GetSaleResponse> GetSale(GetSaleRequest request, ServerCallContext context)
    {
        var (sale, product) = await sales.GetAsync(request.SaleId, context.CancellationToken);
        return new GetSaleResponse { Sale = await sales.ToProtoAsync(sale, product) };
    }

    public override async Task<ListRoomSalesResponse> ListRoomSales(ListRoomSalesRequest request, ServerCallContext context)
    {
        var response = new ListRoomSalesResponse();
        foreach (var (sale, product) in await sales.ListRoomAsync(request.RoomId, context.CancellationToken))
        {
            response.Sales.Add(await sales.ToProtoAsync(sale, product));
        }

        return response;
    }

    public override async Task<CancelSaleResponse> CancelSale(CancelSaleRequest request, ServerCallContext context)
    {
        var caller = context.RequireSignedIn();
        var (sale, product) = await sales.GetAsync(request.SaleId, context.CancellationToken);
        RequireAnchorOrPrivileged(caller, sale.AnchorUserId, $"sale {sale.Id}");
        await sales.CancelAsync(sale, context.CancellationToken);
        Log.SaleCancelled(logger, sale.Id, caller.ToString());
        return new CancelSaleResponse { Sale = await sales.ToProtoAsync(sale, product) };
    }

    public override async Task<PurchaseResponse> Purchase(PurchaseRequest request, ServerCallContext context)
    {
        var caller = context.RequireSignedIn();
        var buyer = caller.ActingFor(request.BuyerUserId, "buyer_user_id");
        // Admins and services buying for a named buyer (perf/CommerceLoad, support) are not in the room themselves.
        if (!(caller.IsPrivileged && request.BuyerUserId != 0))
        {
            RpcErrors.RequirePositiveId(request.SaleId, "sale_id");
            await roomPasses.RequireAsync(request.SaleId, buyer, request.RoomPass, context.CancellationToken);
        }

        return await purchases.PurchaseAsync(request.SaleId, buyer, request.Quantity, request.IdempotencyKey, context.CancellationToken);
    }

    public override async Task<GetOrderResponse> GetOrder(GetOrderRequest request, ServerCallContext context)
    {
        var caller = context.RequireSignedIn();
        if (!OrderIds.TryParse(request.OrderId, out var saleId, out var seq))
        {
            RpcErrors.InvalidArgument($"order_id must look like <sale id>-<n>; got '{request.OrderId}'.");
        }

        var order = await db.Orders.AsNoTracking().SingleOrDefaultAsync(o => o.SaleId == saleId && o.Seq == seq, context.CancellationToken);
        if (order is null || (caller.IsUser && !caller.IsAdmin && order.BuyerUserId != caller.UserId))
        {
            RpcErrors.NotFound($"order {request.OrderId} is not written (yet), or is not the caller's.");
        }

        return new GetOrderResponse
        {
            Order = new SaleOrder
            {
                OrderId = request.OrderId,
                SaleId = order.SaleId,
                RoomId = order.RoomId,
                BuyerUserId = order.BuyerUserId,
                Quantity = order.Quantity,
                Total = order.Total,
                Status = order.Status switch
                {
                    OrderState.Paid => OrderStatus.Paid,
                    OrderState.Expired => OrderStatus.Expired,
                    _ => OrderStatus.Pending,
                },
                ReservedAt = Timestamp.FromDateTime(order.ReservedAt),
            },
        };
    }

    public override async Task<TopUpBalanceResponse> TopUpBalance(TopUpBalanceRequest request, ServerCallContext context)
    {
        context.RequirePrivileged();
        var balance = await balances.TopUpAsync(request.UserId, request.Amount, request.IdempotencyKey, context.CancellationToken);
        return new TopUpBalanceResponse { UserId = request.UserId, Balance = balance };
    }

    private async Task<Room> GetRoomAsync(long roomId, CancellationToken ct)
    {
        try
        {
            return await rooms.GetRoomAsync(new GetRoomRequest { RoomId = roomId }, deadline: DateTime.UtcNow.AddSeconds(3), cancellationToken: ct);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
        {
            throw new RpcException(new Status(StatusCode.NotFound, $"room {roomId} does not exist."));
        }
    }

    private static void RequireAnchorOrPrivileged(CallerIdentity caller, long anchorUserId, string what)
    {
        if (!caller.IsPrivileged && caller.UserId != anchorUserId)
        {
            RpcErrors.PermissionDenied($"only the anchor of {what} (user {anchorUserId}) or an admin may do this; {caller} may not.");
        }
    }
}
