using Grpc.Core;
using Live.Gifts.Catalog;
using Live.Gifts.Sending;
using Live.Gifts.Wallets;
using Live.ServiceDefaults.Grpc;
using Live.ServiceDefaults.Identity;
using Live.V1;

namespace Live.Gifts.Grpc;

/// <summary>live.v1.GiftService; hosted by whichever service maps it (MapGiftService).</summary>
public sealed class GiftGrpcService(GiftCatalog catalog, WalletStore wallets, GiftSender sender) : GiftService.GiftServiceBase
{
    public override async Task<ListGiftsResponse> ListGifts(ListGiftsRequest request, ServerCallContext context)
    {
        var response = new ListGiftsResponse();
        foreach (var gift in await catalog.ListAsync(context.CancellationToken))
        {
            response.Gifts.Add(gift.ToProto());
        }

        return response;
    }

    public override async Task<Wallet> GetWallet(GetWalletRequest request, ServerCallContext context)
    {
        var userId = context.RequireSignedIn().ActingFor(request.UserId, "user_id");
        RpcErrors.RequirePositiveId(userId, "user_id");
        return new Wallet { UserId = userId, Balance = await wallets.GetBalanceAsync(userId, context.CancellationToken) };
    }

    public override async Task<Wallet> CreditWallet(CreditWalletRequest request, ServerCallContext context)
    {
        context.RequirePrivileged();
        var balance = await wallets.CreditAsync(request.UserId, request.Amount, request.IdempotencyKey, context.CancellationToken);
        return new Wallet { UserId = request.UserId, Balance = balance };
    }

    public override Task<SendGiftResponse> SendGift(SendGiftRequest request, ServerCallContext context)
    {
        var caller = context.RequireSignedIn();
        var senderUserId = caller.ActingFor(request.SenderUserId, "sender_user_id");
        // Only a sender's own call carries their display name; a service sending for them has none to give.
        var senderName = caller.IsUser && caller.UserId == senderUserId ? caller.Name : string.Empty;
        return sender.SendAsync(request.IdempotencyKey, request.RoomId, senderUserId, senderName, request.GiftId, request.Count, context.CancellationToken);
    }
}
