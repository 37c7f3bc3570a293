using Grpc.Core;
using Live.ServiceDefaults.Grpc;
using Live.ServiceDefaults.Identity;
using Live.UserService.Accounts;
using Live.V1;

namespace Live.UserService.Profiles;

/// <summary>Reading profiles, one or many, and changing one's own (levels: admins only).</summary>
public sealed class ProfileRpcs(AccountStore accounts, ProfileReadCache cached, IServiceScopeFactory scopes)
{
    public async Task<UserProfile> GetProfileAsync(GetProfileRequest request, ServerCallContext context)
    {
        var caller = context.RequireSignedIn();
        var userId = request.UserId == 0 && caller.IsUser ? caller.UserId : request.UserId;
        RpcErrors.RequirePositiveId(userId, "user_id");
        return await cached.GetAsync(userId, static (id, factory) => LoadAsync(factory, id), scopes);
    }

    public async Task<UserProfile> UpdateProfileAsync(UpdateProfileRequest request, ServerCallContext context)
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
        var updated = await accounts.UpdateAsync(userId, displayName, level, context.CancellationToken);
        await cached.ChangedAsync(userId);
        return updated.ToProfile();
    }

    public async Task<GetUsersResponse> GetUsersAsync(GetUsersRequest request, ServerCallContext context)
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

    /// <remarks>
    /// Shared by the callers that miss together, so it outlives any one call: a scope of its own, no caller's
    /// cancellation.
    /// </remarks>
    private static async Task<UserProfile> LoadAsync(IServiceScopeFactory scopes, long userId)
    {
        await using var scope = scopes.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<AccountStore>();
        return (await store.RequireAsync(userId, CancellationToken.None)).ToProfile();
    }
}
