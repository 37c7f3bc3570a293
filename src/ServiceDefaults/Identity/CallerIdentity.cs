namespace Live.ServiceDefaults.Identity;

/// <summary>How a call reached the service.</summary>
public enum CallerKind
{
    /// <summary>No identity headers and no proxy proof: a direct call on the service network (another service, an operator).</summary>
    Internal,

    /// <summary>Came through the Proxy without a token (only Register, Login, Refresh and the like get this far).</summary>
    Anonymous,

    /// <summary>Came through the Proxy with a verified access token.</summary>
    User,
}

/// <summary>Who is calling, as verified by the Proxy and checked by <see cref="ProxyIdentityVerifier"/>.</summary>
public sealed record CallerIdentity(CallerKind Kind, long UserId, string Name, IReadOnlyList<string> Roles, int Level)
{
    public static readonly CallerIdentity Internal = new(CallerKind.Internal, 0, string.Empty, [], 0);
    public static readonly CallerIdentity Anonymous = new(CallerKind.Anonymous, 0, string.Empty, [], 0);

    public bool IsInternal => Kind == CallerKind.Internal;
    public bool IsUser => Kind == CallerKind.User;
    public bool IsAdmin => Kind == CallerKind.User && HasRole(PlatformRoles.Admin);

    /// <summary>Internal callers and admins may act on anyone's behalf.</summary>
    public bool IsPrivileged => IsInternal || IsAdmin;

    public bool HasRole(string role)
    {
        foreach (var r in Roles)
        {
            if (string.Equals(r, role, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    public override string ToString() => Kind == CallerKind.User ? $"user {UserId}" : Kind.ToString().ToLowerInvariant();
}

/// <summary>Role names as they appear in tokens and identity headers.</summary>
public static class PlatformRoles
{
    public const string Viewer = "viewer";
    public const string Anchor = "anchor";
    public const string Admin = "admin";
}
