namespace Live.ServiceDefaults.Identity;

/// <summary>
/// The headers the Proxy uses to tell a backend who is calling. The Proxy removes every header with one of
/// the reserved prefixes that a client sent, then adds these for the verified caller.
/// </summary>
public static class IdentityHeaders
{
    public const string UserId = "x-user-id";

    /// <summary>The display name, percent-encoded (header values are ASCII).</summary>
    public const string UserName = "x-user-name";

    /// <summary>Comma-separated role names.</summary>
    public const string UserRoles = "x-user-roles";

    public const string UserLevel = "x-user-level";

    /// <summary><c>v1.{unix seconds}.{base64url HMAC-SHA256}</c> over the identity headers, the path and the time.</summary>
    public const string Proof = "x-live-identity";

    /// <summary>Header name prefixes only the Proxy may set; anything a client sends with them is dropped.</summary>
    public static readonly string[] ReservedPrefixes = ["x-user-", "x-live-"];

    public static bool IsReserved(string headerName)
    {
        foreach (var prefix in ReservedPrefixes)
        {
            if (headerName.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
