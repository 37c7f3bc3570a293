namespace Live.UserService.Bans;

/// <summary>
/// A row of `bans`, the record of truth (Redis holds a mirror of the active ones). A ban is active while it
/// is neither lifted nor expired; banning a subject again lifts its earlier ban.
/// </summary>
public sealed class BanRecord
{
    public long Id { get; set; }

    /// <summary>"user", "ip" or "shadow" (<see cref="Live.Bans.BanKeys"/>).</summary>
    public string Kind { get; set; } = string.Empty;

    /// <summary>The user id in decimal, or the canonical IP address.</summary>
    public string Subject { get; set; } = string.Empty;

    public string Reason { get; set; } = string.Empty;
    public DateTime CreatedAt { get; set; }
    public DateTime? ExpiresAt { get; set; }
    public long CreatedBy { get; set; }
    public DateTime? LiftedAt { get; set; }
}
