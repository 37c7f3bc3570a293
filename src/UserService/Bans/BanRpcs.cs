using Grpc.Core;
using Live.Bans;
using Live.ServiceDefaults.Grpc;
using Live.ServiceDefaults.Identity;
using Live.UserService.Accounts;
using Live.V1;

namespace Live.UserService.Bans;

/// <summary>
/// Admin calls on user, shadow and IP bans: ban, lift, list, and ask whether one applies. A user's (not shadow)
/// ban is told to them in their inbox when <paramref name="notices"/> is there (Services:MessageService set).
/// </summary>
public sealed class BanRpcs(AccountStore accounts, BanStore bans, BanList banList, BanNotices? notices = null)
{
    public async Task<Ban> BanUserAsync(BanUserRequest request, ServerCallContext context)
    {
        var caller = context.RequirePrivileged();
        RpcErrors.RequirePositiveId(request.UserId, "user_id");
        var reason = BanStore.ValidateReason(request.Reason);
        RequireDuration(request.DurationSeconds);
        await accounts.RequireAsync(request.UserId, context.CancellationToken);
        var kind = request.Shadow ? BanKeys.ShadowKind : BanKeys.UserKind;
        var ban = await bans.BanAsync(kind, BanKeys.UserSubject(request.UserId), reason, request.DurationSeconds, caller.UserId, context.CancellationToken);
        if (!request.Shadow && notices is not null)
        {
            await notices.BannedAsync(request.UserId, ban.Id, reason, request.DurationSeconds, context.CancellationToken);
        }

        return ban.ToContract();
    }

    public async Task<UnbanResponse> UnbanUserAsync(UnbanUserRequest request, ServerCallContext context)
    {
        var caller = context.RequirePrivileged();
        RpcErrors.RequirePositiveId(request.UserId, "user_id");
        var kind = request.Shadow ? BanKeys.ShadowKind : BanKeys.UserKind;
        var lifted = await bans.UnbanAsync(kind, BanKeys.UserSubject(request.UserId), caller.UserId, context.CancellationToken);
        return new UnbanResponse { Lifted = lifted };
    }

    public async Task<Ban> BanIpAsync(BanIpRequest request, ServerCallContext context)
    {
        var caller = context.RequirePrivileged();
        var ip = RequireIp(request.Ip);
        var reason = BanStore.ValidateReason(request.Reason);
        RequireDuration(request.DurationSeconds);
        var ban = await bans.BanAsync(BanKeys.IpKind, ip, reason, request.DurationSeconds, caller.UserId, context.CancellationToken);
        return ban.ToContract();
    }

    public async Task<UnbanResponse> UnbanIpAsync(UnbanIpRequest request, ServerCallContext context)
    {
        var caller = context.RequirePrivileged();
        var ip = RequireIp(request.Ip);
        var lifted = await bans.UnbanAsync(BanKeys.IpKind, ip, caller.UserId, context.CancellationToken);
        return new UnbanResponse { Lifted = lifted };
    }

    public async Task<ListBansResponse> ListAsync(ListBansRequest request, ServerCallContext context)
    {
        context.RequirePrivileged();
        var kind = BanMapping.KindFilter(request.Kind);
        var size = request.Page?.PageSize ?? 0;
        if (size < 0 || size > BanStore.MaxPageSize)
        {
            RpcErrors.InvalidArgument($"page.page_size must be between 0 and {BanStore.MaxPageSize}; got {size}.");
        }

        var beforeId = string.IsNullOrEmpty(request.Page?.PageToken) ? 0 : BanPageToken.Decode(request.Page.PageToken);
        var (list, next) = await bans.ListAsync(kind, size == 0 ? BanStore.DefaultPageSize : size, beforeId, context.CancellationToken);
        var response = new ListBansResponse { Page = new PageInfo { NextPageToken = next == 0 ? string.Empty : BanPageToken.Encode(next) } };
        foreach (var ban in list)
        {
            response.Bans.Add(ban.ToContract());
        }

        return response;
    }

    public async Task<IsBannedResponse> IsBannedAsync(IsBannedRequest request, ServerCallContext context)
    {
        context.RequirePrivileged();
        if (request.UserId < 0)
        {
            RpcErrors.InvalidArgument($"user_id must not be negative; got {request.UserId}.");
        }

        string? ip = string.IsNullOrEmpty(request.Ip) ? null : RequireIp(request.Ip);
        if (request.UserId == 0 && ip is null)
        {
            RpcErrors.InvalidArgument("Give user_id, ip or both.");
        }

        // The local list answers; the record is read only to give the details of a ban that applies.
        if (request.UserId > 0 && await banList.IsUserBannedAsync(request.UserId))
        {
            return await BannedAsync(BanKeys.UserKind, BanKeys.UserSubject(request.UserId), context.CancellationToken);
        }

        if (ip is not null && await banList.IsIpBannedAsync(System.Net.IPAddress.Parse(ip)))
        {
            return await BannedAsync(BanKeys.IpKind, ip, context.CancellationToken);
        }

        return new IsBannedResponse { Banned = false };
    }

    private async Task<IsBannedResponse> BannedAsync(string kind, string subject, CancellationToken ct)
    {
        var response = new IsBannedResponse { Banned = true };
        var record = await bans.FindActiveAsync(kind, subject, ct);
        if (record is not null)
        {
            response.Ban = record.ToContract();
        }

        return response;
    }

    private static string RequireIp(string ip)
    {
        if (!BanStore.TryCanonicalIp(ip, out var canonical))
        {
            RpcErrors.InvalidArgument($"ip '{ip}' is not an IPv4 or IPv6 address.");
        }

        return canonical;
    }

    private static void RequireDuration(long seconds)
    {
        const long TenYears = 10L * 366 * 24 * 3600;
        if (seconds < 0 || seconds > TenYears)
        {
            RpcErrors.InvalidArgument($"duration_seconds must be 0 (permanent) to {TenYears}; got {seconds}.");
        }
    }
}
