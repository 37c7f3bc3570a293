namespace Live.UserService.Accounts;

/// <summary>A row of `users`. Roles are stored as a comma-separated list of role names.</summary>
public sealed class UserRecord
{
    public long Id { get; set; }
    public string Username { get; set; } = string.Empty;

    /// <summary>Upper-cased username; its unique index makes usernames unique regardless of case.</summary>
    public string NormalizedUsername { get; set; } = string.Empty;

    public string DisplayName { get; set; } = string.Empty;
    public int Level { get; set; } = 1;
    public string Roles { get; set; } = string.Empty;
    public string PasswordHash { get; set; } = string.Empty;
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}
