namespace Live.UserService.Tokens;

/// <summary>
/// A row of `refresh_tokens`. Only the SHA-256 of the token is stored. Every token issued from one login
/// shares a family id, so a replayed token can revoke all of them at once.
/// </summary>
public sealed class RefreshTokenRecord
{
    public long Id { get; set; }
    public long UserId { get; set; }
    public string FamilyId { get; set; } = string.Empty;
    public byte[] TokenHash { get; set; } = [];
    public DateTime CreatedAt { get; set; }
    public DateTime ExpiresAt { get; set; }

    /// <summary>When it was traded for a new pair; a second use is a replay.</summary>
    public DateTime? UsedAt { get; set; }

    public DateTime? RevokedAt { get; set; }
    public string? RevokedReason { get; set; }
}
