using System.Globalization;
using Microsoft.Extensions.Primitives;

namespace Live.Edge.Identity;

/// <summary>Who is on a connection. Guests have a negative id and may only watch.</summary>
public sealed record ConnectionIdentity(long UserId, string UserName)
{
    public bool IsGuest => UserId < 0;
}

/// <summary>
/// The one place that decides identity. Today it trusts <c>x-user-id</c> / <c>x-user-name</c> as forwarded by the
/// Proxy (which strips client-sent copies) and makes everyone else a read-only guest; when ServiceDefaults gains
/// the proof header check, it is applied here and nowhere else.
/// </summary>
public static class IdentityResolver
{
    public const string UserIdHeader = "x-user-id";
    public const string UserNameHeader = "x-user-name";

    private static long lastGuest;

    /// <returns>The identity, or null with a reason when the headers are present but invalid.</returns>
    public static ConnectionIdentity? Resolve(IHeaderDictionary headers, out string? error)
    {
        error = null;
        var id = headers[UserIdHeader];
        if (StringValues.IsNullOrEmpty(id))
        {
            var guest = -Interlocked.Increment(ref lastGuest);
            return new ConnectionIdentity(guest, "guest" + (-guest).ToString(CultureInfo.InvariantCulture));
        }

        if (id.Count != 1 || !long.TryParse(id[0], NumberStyles.None, CultureInfo.InvariantCulture, out var userId) || userId <= 0)
        {
            error = $"{UserIdHeader} must be one positive integer.";
            return null;
        }

        var name = headers[UserNameHeader];
        string userName;
        try
        {
            userName = StringValues.IsNullOrEmpty(name) ? "user" + userId.ToString(CultureInfo.InvariantCulture) : Uri.UnescapeDataString(name[0]!);
        }
        catch (UriFormatException)
        {
            error = $"{UserNameHeader} must be percent-encoded UTF-8.";
            return null;
        }

        if (userName.Length > 64)
        {
            error = $"{UserNameHeader} is longer than 64 characters.";
            return null;
        }

        return new ConnectionIdentity(userId, userName);
    }
}
