using Google.Protobuf.WellKnownTypes;
using Live.ServiceDefaults.Identity;
using Live.V1;

namespace Live.UserService.Accounts;

internal static class UserMapping
{
    public static UserProfile ToProfile(this UserRecord record)
    {
        var profile = new UserProfile
        {
            UserId = record.Id,
            Username = record.Username,
            DisplayName = record.DisplayName,
            Level = record.Level,
            CreatedAt = Timestamp.FromDateTime(record.CreatedAt),
        };
        foreach (var role in RoleNames(record))
        {
            profile.Roles.Add(ToContract(role));
        }

        return profile;
    }

    public static string[] RoleNames(this UserRecord record) =>
        record.Roles.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Role names in a fixed order with viewer always present.</summary>
    public static string JoinRoles(IEnumerable<string> roles)
    {
        var set = new HashSet<string>(roles, StringComparer.Ordinal) { PlatformRoles.Viewer };
        var ordered = new List<string>(3);
        foreach (var role in new[] { PlatformRoles.Viewer, PlatformRoles.Anchor, PlatformRoles.Admin })
        {
            if (set.Contains(role))
            {
                ordered.Add(role);
            }
        }

        return string.Join(',', ordered);
    }

    public static Role ToContract(string role) => role switch
    {
        PlatformRoles.Viewer => Role.Viewer,
        PlatformRoles.Anchor => Role.Anchor,
        PlatformRoles.Admin => Role.Admin,
        _ => Role.Unspecified,
    };

    public static string? FromContract(Role role) => role switch
    {
        Role.Viewer => PlatformRoles.Viewer,
        Role.Anchor => PlatformRoles.Anchor,
        Role.Admin => PlatformRoles.Admin,
        _ => null,
    };
}
