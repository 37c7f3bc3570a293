using System.Buffers.Binary;
using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Live.ServiceDefaults.Bans;
using Live.ServiceDefaults.Grpc;
using Live.ServiceDefaults.Identity;
using Live.UserService.Accounts;
using Live.UserService.Bans;
using Live.UserService.Presence;
using Live.UserService.Telemetry;
using Live.UserService.Tokens;
using Live.V1;

namespace Live.UserService.Grpc;

public sealed class UserGrpcService(
    AccountStore accounts,
    RefreshTokenStore refreshTokens,
    AccessTokenIssuer accessTokens,
    SigningKeyRing signingKeys,
    BanStore bans,
    BanList banList,
    PresenceStore presence,
    UserMetrics metrics,
    ILogger<UserGrpcService> logger) : Live.V1.UserService.UserServiceBase
{
    private const string BadCredentials = "The username or password is incorrect.";

    public override async Task<UserProfile> Register(RegisterRequest request, ServerCallContext context)
    {
        var username = AccountValidator.Username(request.Username);
        var password = AccountValidator.Password(request.Password);
        var displayName = AccountValidator.DisplayName(string.IsNullOrWhiteSpace(request.DisplayName) ? username : request.DisplayName);
        var user = await accounts.RegisterAsync(username, password, displayName, request.AsAnchor, context.CancellationToken);
        metrics.Registered();
        Log.UserRegistered(logger, user.Id);
        return user.ToProfile();
    }

    public override async Task<TokenPair> Login(LoginRequest request, ServerCallContext context)
    {
        if (string.IsNullOrEmpty(request.Username) || string.IsNullOrEmpty(request.Password)
            || request.Username.Length > 64 || request.Password.Length > AccountValidator.MaxPasswordLength)
        {
            RpcErrors.InvalidArgument("username and password are required.");
        }

        var user = await accounts.VerifyPasswordAsync(request.Username, request.Password, context.CancellationToken);
        if (user is null)
        {
            metrics.Login("bad_credentials");
            Log.LoginRefused(logger, request.Username, "bad credentials");
            RpcErrors.Unauthenticated(BadCredentials);
        }

        if (await banList.IsUserBannedAsync(user.Id))
        {
            metrics.Login("banned");
            Log.LoginRefused(logger, request.Username, "banned");
            await ThrowBannedAsync(user.Id, context.CancellationToken);
        }

        var refresh = await refreshTokens.IssueNewFamilyAsync(user.Id, context.CancellationToken);
        metrics.Login("ok");
        return Pair(user, refresh);
    }

    public override async Task<TokenPair> Refresh(RefreshRequest request, ServerCallContext context)
    {
        var token = RequireRefreshToken(request.RefreshToken);
        var (userId, next) = await refreshTokens.RotateAsync(token, context.CancellationToken);
        var user = await accounts.FindAsync(userId, context.CancellationToken);
        if (user is null)
        {
            RpcErrors.Unauthenticated("The account of this refresh token no longer exists.");
        }

        if (await banList.IsUserBannedAsync(user.Id))
        {
            metrics.Refresh("banned");
            await ThrowBannedAsync(user.Id, context.CancellationToken);
        }

        return Pair(user, next);
    }

    public override async Task<LogoutResponse> Logout(LogoutRequest request, ServerCallContext context)
    {
        var token = RequireRefreshToken(request.RefreshToken);
        var revoked = await refreshTokens.RevokeFamilyOfAsync(token, "logout", context.CancellationToken);
        return new LogoutResponse { Revoked = revoked };
    }

    public override async Task<UserProfile> GetProfile(GetProfileRequest request, ServerCallContext context)
    {
        var caller = context.RequireSignedIn();
        var userId = request.UserId == 0 && caller.IsUser ? caller.UserId : request.UserId;
        RpcErrors.RequirePositiveId(userId, "user_id");
        return (await accounts.RequireAsync(userId, context.CancellationToken)).ToProfile();
    }

    public override async Task<UserProfile> UpdateProfile(UpdateProfileRequest request, ServerCallContext context)
    {
        var caller = context.RequireSignedIn();
        var userId = caller.ActingFor(request.UserId, "user_id");
        RpcErrors.RequirePositiveId(userId, "user_id");
        if (request.HasLevel && !caller.IsPrivileged)
        {
            RpcErrors.PermissionDenied("Only admins change levels.");
        }

        var displayName = request.HasDisplayName ? AccountValidator.DisplayName(request.DisplayName) : null;
        int? level = request.HasLevel ? AccountValidator.Level(request.Level) : null;
        return (await accounts.UpdateAsync(userId, displayName, level, context.CancellationToken)).ToProfile();
    }

    public override async Task<GetUsersResponse> GetUsers(GetUsersRequest request, ServerCallContext context)
    {
        context.RequireSignedIn();
        if (request.UserIds.Count > AccountStore.MaxBatch)
        {
            RpcErrors.InvalidArgument($"user_ids has {request.UserIds.Count} entries; the maximum per call is {AccountStore.MaxBatch}.");
        }

        var ids = new List<long>(request.UserIds.Count);
        var seen = new HashSet<long>();
        for (var i = 0; i < request.UserIds.Count; i++)
        {
            RpcErrors.RequirePositiveId(request.UserIds[i], $"user_ids[{i}]");
            if (seen.Add(request.UserIds[i]))
            {
                ids.Add(request.UserIds[i]);
            }
        }

        var found = (await accounts.FindManyAsync(ids, context.CancellationToken)).ToDictionary(u => u.Id);
        var response = new GetUsersResponse();
        foreach (var id in ids)
        {
            if (found.TryGetValue(id, out var user))
            {
                response.Users.Add(user.ToProfile());
            }
            else
            {
                response.MissingUserIds.Add(id);
            }
        }

        return response;
    }

    public override async Task<UserProfile> SetUserRoles(SetUserRolesRequest request, ServerCallContext context)
    {
        context.RequirePrivileged();
        RpcErrors.RequirePositiveId(request.UserId, "user_id");
        var roles = new List<string>(request.Roles.Count);
        foreach (var role in request.Roles)
        {
            roles.Add(UserMapping.FromContract(role) ?? Invalid<string>($"roles contains {role}, which is not a role."));
        }

        return (await accounts.SetRolesAsync(request.UserId, roles, context.CancellationToken)).ToProfile();
    }

    public override async Task<Ban> BanUser(BanUserRequest request, ServerCallContext context)
    {
        var caller = context.RequirePrivileged();
        RpcErrors.RequirePositiveId(request.UserId, "user_id");
        var reason = BanStore.ValidateReason(request.Reason);
        RequireDuration(request.DurationSeconds);
        await accounts.RequireAsync(request.UserId, context.CancellationToken);
        var kind = request.Shadow ? BanKeys.ShadowKind : BanKeys.UserKind;
        var ban = await bans.BanAsync(kind, BanKeys.UserSubject(request.UserId), reason, request.DurationSeconds, caller.UserId, context.CancellationToken);
        return ToContract(ban);
    }

    public override async Task<UnbanResponse> UnbanUser(UnbanUserRequest request, ServerCallContext context)
    {
        var caller = context.RequirePrivileged();
        RpcErrors.RequirePositiveId(request.UserId, "user_id");
        var kind = request.Shadow ? BanKeys.ShadowKind : BanKeys.UserKind;
        var lifted = await bans.UnbanAsync(kind, BanKeys.UserSubject(request.UserId), caller.UserId, context.CancellationToken);
        return new UnbanResponse { Lifted = lifted };
    }

    public override async Task<Ban> BanIp(BanIpRequest request, ServerCallContext context)
    {
        var caller = context.RequirePrivileged();
        var ip = RequireIp(request.Ip);
        var reason = BanStore.ValidateReason(request.Reason);
        RequireDuration(request.DurationSeconds);
        var ban = await bans.BanAsync(BanKeys.IpKind, ip, reason, request.DurationSeconds, caller.UserId, context.CancellationToken);
        return ToContract(ban);
    }

    public override async Task<UnbanResponse> UnbanIp(UnbanIpRequest request, ServerCallContext context)
    {
        var caller = context.RequirePrivileged();
        var ip = RequireIp(request.Ip);
        var lifted = await bans.UnbanAsync(BanKeys.IpKind, ip, caller.UserId, context.CancellationToken);
        return new UnbanResponse { Lifted = lifted };
    }

    public override async Task<ListBansResponse> ListBans(ListBansRequest request, ServerCallContext context)
    {
        context.RequirePrivileged();
        string? kind = request.Kind switch
        {
            BanKind.Unspecified => null,
            BanKind.User => BanKeys.UserKind,
            BanKind.Ip => BanKeys.IpKind,
            BanKind.Shadow => BanKeys.ShadowKind,
            _ => Invalid<string>($"kind {(int)request.Kind} is not a BanKind."),
        };
        var size = request.Page?.PageSize ?? 0;
        if (size < 0 || size > BanStore.MaxPageSize)
        {
            RpcErrors.InvalidArgument($"page.page_size must be between 0 and {BanStore.MaxPageSize}; got {size}.");
        }

        var beforeId = string.IsNullOrEmpty(request.Page?.PageToken) ? 0 : DecodePageToken(request.Page.PageToken);
        var (list, next) = await bans.ListAsync(kind, size == 0 ? BanStore.DefaultPageSize : size, beforeId, context.CancellationToken);
        var response = new ListBansResponse { Page = new PageInfo { NextPageToken = next == 0 ? string.Empty : EncodePageToken(next) } };
        foreach (var ban in list)
        {
            response.Bans.Add(ToContract(ban));
        }

        return response;
    }

    public override async Task<IsBannedResponse> IsBanned(IsBannedRequest request, ServerCallContext context)
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

    public override async Task<SetPresenceResponse> SetPresence(SetPresenceRequest request, ServerCallContext context)
    {
        context.RequirePrivileged();
        RequireBatch(request.Changes.Count, "changes");
        var changes = new (long UserId, bool Online)[request.Changes.Count];
        for (var i = 0; i < changes.Length; i++)
        {
            RpcErrors.RequirePositiveId(request.Changes[i].UserId, $"changes[{i}].user_id");
            changes[i] = (request.Changes[i].UserId, request.Changes[i].Online);
        }

        await presence.ApplyAsync(changes);
        return new SetPresenceResponse { Applied = changes.Length, TtlSeconds = presence.TtlSeconds };
    }

    public override async Task<GetPresenceResponse> GetPresence(GetPresenceRequest request, ServerCallContext context)
    {
        context.RequireSignedIn();
        RequireBatch(request.UserIds.Count, "user_ids");
        for (var i = 0; i < request.UserIds.Count; i++)
        {
            RpcErrors.RequirePositiveId(request.UserIds[i], $"user_ids[{i}]");
        }

        var seen = await presence.GetAsync(request.UserIds);
        var response = new GetPresenceResponse();
        for (var i = 0; i < seen.Length; i++)
        {
            var entry = new UserPresence { UserId = request.UserIds[i], Online = seen[i] is not null };
            if (seen[i] is { } at)
            {
                entry.LastSeenAt = Timestamp.FromDateTimeOffset(at);
            }

            response.Presence.Add(entry);
        }

        return response;
    }

    public override async Task<SigningKey> RotateSigningKey(RotateSigningKeyRequest request, ServerCallContext context)
    {
        context.RequirePrivileged();
        var record = await signingKeys.RotateAsync(context.CancellationToken);
        return ToContract(record, signing: true);
    }

    public override async Task<SigningKey> RetireSigningKey(RetireSigningKeyRequest request, ServerCallContext context)
    {
        context.RequirePrivileged();
        if (string.IsNullOrWhiteSpace(request.Kid) || request.Kid.Length > 32)
        {
            RpcErrors.InvalidArgument("kid is required (at most 32 characters).");
        }

        var record = await signingKeys.RetireAsync(request.Kid, context.CancellationToken);
        return ToContract(record, signing: false);
    }

    public override async Task<ListSigningKeysResponse> ListSigningKeys(ListSigningKeysRequest request, ServerCallContext context)
    {
        context.RequirePrivileged();
        var (keys, signer) = await signingKeys.ListAsync(context.CancellationToken);
        var response = new ListSigningKeysResponse();
        foreach (var key in keys)
        {
            response.Keys.Add(ToContract(key, key.Kid == signer));
        }

        return response;
    }

    private TokenPair Pair(UserRecord user, RefreshTokenStore.Issued refresh)
    {
        var (access, expires) = accessTokens.Issue(user);
        return new TokenPair
        {
            AccessToken = access,
            AccessTokenExpiresAt = Timestamp.FromDateTime(expires),
            RefreshToken = refresh.Token,
            RefreshTokenExpiresAt = Timestamp.FromDateTime(refresh.ExpiresAt),
            TokenType = "Bearer",
            User = user.ToProfile(),
        };
    }

    private async Task ThrowBannedAsync(long userId, CancellationToken ct)
    {
        var ban = await bans.FindActiveAsync(BanKeys.UserKind, BanKeys.UserSubject(userId), ct);
        var until = ban?.ExpiresAt is { } expires ? $"until {expires.ToString("u", CultureInfo.InvariantCulture)}" : "permanently";
        RpcErrors.PermissionDenied(ban is null ? $"user {userId} is banned." : $"user {userId} is banned {until}: {ban.Reason}");
    }

    private async Task<IsBannedResponse> BannedAsync(string kind, string subject, CancellationToken ct)
    {
        var response = new IsBannedResponse { Banned = true };
        var record = await bans.FindActiveAsync(kind, subject, ct);
        if (record is not null)
        {
            response.Ban = ToContract(record);
        }

        return response;
    }

    private static string RequireRefreshToken(string token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > RefreshTokenStore.MaxTokenLength)
        {
            RpcErrors.InvalidArgument("refresh_token is required.");
        }

        return token;
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

    private void RequireBatch(int count, string field)
    {
        if (count > presence.MaxBatch)
        {
            RpcErrors.InvalidArgument($"{field} has {count} entries; the maximum per call is {presence.MaxBatch}.");
        }
    }

    private static T Invalid<T>(string reason)
    {
        RpcErrors.InvalidArgument(reason);
        return default!;
    }

    private static Ban ToContract(BanRecord record)
    {
        var ban = new Ban
        {
            BanId = record.Id,
            Kind = record.Kind switch
            {
                BanKeys.UserKind => BanKind.User,
                BanKeys.ShadowKind => BanKind.Shadow,
                _ => BanKind.Ip,
            },
            Subject = record.Subject,
            Reason = record.Reason,
            CreatedAt = Timestamp.FromDateTime(record.CreatedAt),
            CreatedBy = record.CreatedBy,
        };
        if (record.ExpiresAt is { } expires)
        {
            ban.ExpiresAt = Timestamp.FromDateTime(expires);
        }

        return ban;
    }

    private static SigningKey ToContract(SigningKeyRecord record, bool signing)
    {
        var key = new SigningKey { Kid = record.Kid, CreatedAt = Timestamp.FromDateTime(record.CreatedAt), Signing = signing };
        if (record.RetiredAt is { } retired)
        {
            key.RetiredAt = Timestamp.FromDateTime(retired);
        }

        return key;
    }

    private static string EncodePageToken(long id)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, id);
        return Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    private static long DecodePageToken(string token)
    {
        Span<byte> bytes = stackalloc byte[9];
        var padded = token.Replace('-', '+').Replace('_', '/') + "=";
        if (token.Length != 11 || !Convert.TryFromBase64String(padded, bytes, out var written) || written != 8
            || BinaryPrimitives.ReadInt64BigEndian(bytes) <= 0)
        {
            RpcErrors.InvalidArgument("page.page_token is not a token returned by ListBans.");
        }

        return BinaryPrimitives.ReadInt64BigEndian(bytes);
    }
}
