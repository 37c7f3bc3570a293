using Grpc.Core;
using Live.UserService.Accounts;
using Live.UserService.Bans;
using Live.UserService.Presence;
using Live.UserService.Profiles;
using Live.UserService.Tokens;
using Live.V1;

namespace Live.UserService.Grpc;

/// <summary>UserService's gRPC surface: each call goes to the feature that owns it.</summary>
public sealed class UserGrpcService(
    AccountRpcs accounts,
    ProfileRpcs profiles,
    SessionRpcs sessions,
    SigningKeyRpcs signingKeys,
    BanRpcs bans,
    PresenceRpcs presence) : Live.V1.UserService.UserServiceBase
{
    public override Task<UserProfile> Register(RegisterRequest request, ServerCallContext context) => accounts.RegisterAsync(request, context);

    public override Task<UserProfile> SetUserRoles(SetUserRolesRequest request, ServerCallContext context) => accounts.SetUserRolesAsync(request, context);

    public override Task<TokenPair> Login(LoginRequest request, ServerCallContext context) => sessions.LoginAsync(request, context);

    public override Task<TokenPair> Refresh(RefreshRequest request, ServerCallContext context) => sessions.RefreshAsync(request, context);

    public override Task<LogoutResponse> Logout(LogoutRequest request, ServerCallContext context) => sessions.LogoutAsync(request, context);

    public override Task<UserProfile> GetProfile(GetProfileRequest request, ServerCallContext context) => profiles.GetProfileAsync(request, context);

    public override Task<UserProfile> UpdateProfile(UpdateProfileRequest request, ServerCallContext context) => profiles.UpdateProfileAsync(request, context);

    public override Task<GetUsersResponse> GetUsers(GetUsersRequest request, ServerCallContext context) => profiles.GetUsersAsync(request, context);

    public override Task<Ban> BanUser(BanUserRequest request, ServerCallContext context) => bans.BanUserAsync(request, context);

    public override Task<UnbanResponse> UnbanUser(UnbanUserRequest request, ServerCallContext context) => bans.UnbanUserAsync(request, context);

    public override Task<Ban> BanIp(BanIpRequest request, ServerCallContext context) => bans.BanIpAsync(request, context);

    public override Task<UnbanResponse> UnbanIp(UnbanIpRequest request, ServerCallContext context) => bans.UnbanIpAsync(request, context);

    public override Task<ListBansResponse> ListBans(ListBansRequest request, ServerCallContext context) => bans.ListAsync(request, context);

    public override Task<IsBannedResponse> IsBanned(IsBannedRequest request, ServerCallContext context) => bans.IsBannedAsync(request, context);

    public override Task<SetPresenceResponse> SetPresence(SetPresenceRequest request, ServerCallContext context) => presence.SetAsync(request, context);

    public override Task<GetPresenceResponse> GetPresence(GetPresenceRequest request, ServerCallContext context) => presence.GetAsync(request, context);

    public override Task<SigningKey> RotateSigningKey(RotateSigningKeyRequest request, ServerCallContext context) => signingKeys.RotateAsync(context);

    public override Task<SigningKey> RetireSigningKey(RetireSigningKeyRequest request, ServerCallContext context) => signingKeys.RetireAsync(request, context);

    public override Task<ListSigningKeysResponse> ListSigningKeys(ListSigningKeysRequest request, ServerCallContext context) => signingKeys.ListAsync(context);
}
