using System.Text;
using System.Text.RegularExpressions;
using Live.ServiceDefaults.Grpc;

namespace Live.UserService.Accounts;

/// <summary>Checks account input and fails with INVALID_ARGUMENT naming the field and the rule.</summary>
public static partial class AccountValidator
{
    public const int MinPasswordLength = 8;
    public const int MaxPasswordLength = 128;
    public const int MaxDisplayNameLength = 64;
    public const int MinLevel = 1;
    public const int MaxLevel = 100;

    public static string Username(string? username)
    {
        var value = username ?? string.Empty;
        if (!UsernamePattern().IsMatch(value))
        {
            RpcErrors.InvalidArgument("username must be 3 to 32 characters of letters, digits, '_', '.' or '-'.");
        }

        return value;
    }

    public static string Password(string? password)
    {
        var value = password ?? string.Empty;
        if (value.Length < MinPasswordLength || value.Length > MaxPasswordLength)
        {
            RpcErrors.InvalidArgument($"password must be {MinPasswordLength} to {MaxPasswordLength} characters; got {value.Length}.");
        }

        return value;
    }

    public static string DisplayName(string? displayName)
    {
        var trimmed = (displayName ?? string.Empty).Trim();
        var length = 0;
        foreach (var rune in trimmed.EnumerateRunes())
        {
            length++;
            if (Rune.IsControl(rune))
            {
                RpcErrors.InvalidArgument($"display_name must not contain control characters (found U+{rune.Value:X4}).");
            }
        }

        if (length == 0 || length > MaxDisplayNameLength)
        {
            RpcErrors.InvalidArgument($"display_name must be 1 to {MaxDisplayNameLength} characters; got {length}.");
        }

        return trimmed;
    }

    public static int Level(int level)
    {
        if (level < MinLevel || level > MaxLevel)
        {
            RpcErrors.InvalidArgument($"level must be between {MinLevel} and {MaxLevel}; got {level}.");
        }

        return level;
    }

    public static string Normalize(string username) => username.ToUpperInvariant();

    [GeneratedRegex("^[A-Za-z0-9_.-]{3,32}$")]
    private static partial Regex UsernamePattern();
}
