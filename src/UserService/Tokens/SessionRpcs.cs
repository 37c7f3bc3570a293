using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Live.Bans;
using Live.ServiceDefaults.Grpc;
using Live.UserService.Accounts;
using Live.UserService.Bans;
using Live.UserService.Telemetry;
using Live.V1;

namespace Live.UserService.Tokens;

/// <summary>Logging in, refreshing and logging out: token pairs for accounts that are not banned.</summary>
public sealed class SessionRpcs(
    AccountStore accounts,
    RefreshTokenStore refreshTokens,
    AccessTokenIssuer accessTokens,
    BanStore bans,
    BanList banList,
    UserMetrics metrics,
    ILogger<SessionRpcs> logger)
{
    private const string BadCredentials = "The username or password is incorrect.";

    public async Task<TokenPair> LoginAsync(LoginRequest request, ServerCallContext context)
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

    public async Task<TokenPair> RefreshAsync(RefreshRequest request, ServerCallContext context)
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

    public async Task<LogoutResponse> LogoutAsync(LogoutRequest request, ServerCallContext context)
    {
        var token = RequireRefreshToken(request.RefreshToken);
        var revoked = await refreshTokens.RevokeFamilyOfAsync(token, "logout", context.CancellationToken);
        return new LogoutResponse { Revoked = revoked };
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

    private static string RequireRefreshToken(string token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > RefreshTokenStore.MaxTokenLength)
        {
            RpcErrors.InvalidArgument("refresh_token is required.");
        }

        return token;
    }
}
