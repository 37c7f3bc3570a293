using Grpc.Core;
using Live.ServiceDefaults.Grpc;

namespace Live.ServiceDefaults.Identity;

/// <summary>The caller of a gRPC call, and the access rules handlers share.</summary>
public static class CallerContext
{
    internal const string Key = "live.caller";

    /// <summary>
    /// The caller established by <see cref="CallerIdentityInterceptor"/>; internal when the service did not add
    /// it (AddProxyIdentity), which is how a service behaves that knows nothing of identity.
    /// </summary>
    public static CallerIdentity GetCaller(this ServerCallContext context) =>
        context.UserState.TryGetValue(Key, out var value) && value is CallerIdentity caller ? caller : CallerIdentity.Internal;

    /// <summary>A signed-in user or an internal caller; anonymous calls fail UNAUTHENTICATED.</summary>
    public static CallerIdentity RequireSignedIn(this ServerCallContext context)
    {
        var caller = context.GetCaller();
        if (caller.Kind == CallerKind.Anonymous)
        {
            RpcErrors.Unauthenticated("This call needs an access token.");
        }

        return caller;
    }

    /// <summary>An admin or an internal caller; anyone else fails PERMISSION_DENIED (UNAUTHENTICATED when anonymous).</summary>
    public static CallerIdentity RequirePrivileged(this ServerCallContext context)
    {
        var caller = context.RequireSignedIn();
        if (!caller.IsPrivileged)
        {
            RpcErrors.PermissionDenied($"{context.Method} is for admins; {caller} is not one.");
        }

        return caller;
    }

    /// <summary>
    /// The user a call acts on: <paramref name="requested"/> when the caller may act for them, the caller
    /// when 0 is requested by a user; PERMISSION_DENIED when a user names someone else.
    /// </summary>
    public static long ActingFor(this CallerIdentity caller, long requested, string field)
    {
        if (caller.IsUser && requested == 0)
        {
            return caller.UserId;
        }

        if (caller.IsUser && requested != caller.UserId && !caller.IsAdmin)
        {
            RpcErrors.PermissionDenied($"{field} {requested} is not the caller ({caller}); only admins act for other users.");
        }

        return requested;
    }
}
