using Grpc.Core;
using Live.ServiceDefaults.Grpc;
using Live.ServiceDefaults.Identity;
using Live.UserService.Profiles;
using Live.UserService.Telemetry;
using Live.V1;

namespace Live.UserService.Accounts;

/// <summary>Creating accounts and changing their roles.</summary>
public sealed class AccountRpcs(AccountStore accounts, ProfileReadCache profiles, UserMetrics metrics, ILogger<AccountRpcs> logger)
{
    public async Task<UserProfile> RegisterAsync(RegisterRequest request, ServerCallContext context)
    {
        var username = AccountValidator.Username(request.Username);
        var password = AccountValidator.Password(request.Password);
        var displayName = AccountValidator.DisplayName(string.IsNullOrWhiteSpace(request.DisplayName) ? username : request.DisplayName);
        var user = await accounts.RegisterAsync(username, password, displayName, request.AsAnchor, context.CancellationToken);
        metrics.Registered();
        Log.UserRegistered(logger, user.Id);
        return user.ToProfile();
    }

    public async Task<UserProfile> SetUserRolesAsync(SetUserRolesRequest request, ServerCallContext context)
    {
        context.RequirePrivileged();
        RpcErrors.RequirePositiveId(request.UserId, "user_id");
        var roles = new List<string>(request.Roles.Count);
        foreach (var role in request.Roles)
        {
            var name = UserMapping.FromContract(role);
            if (name is null)
            {
                RpcErrors.InvalidArgument($"roles contains {role}, which is not a role.");
            }

            roles.Add(name);
        }

        var updated = await accounts.SetRolesAsync(request.UserId, roles, context.CancellationToken);
        await profiles.ChangedAsync(request.UserId);
        return updated.ToProfile();
    }
}
