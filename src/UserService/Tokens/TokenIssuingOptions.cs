using System.ComponentModel.DataAnnotations;

namespace Live.UserService.Tokens;

public sealed class TokenIssuingOptions
{
    public const string Section = "Tokens";

    /// <summary>The `iss` of every access token; the Proxy accepts only this issuer.</summary>
    [Required]
    public string Issuer { get; set; } = string.Empty;

    /// <summary>The `aud` of every access token; the Proxy accepts only this audience.</summary>
    [Required]
    public string Audience { get; set; } = string.Empty;

    /// <summary>Access tokens are short-lived: a revoked login or a ban outlives them by at most this.</summary>
    [Range(1, 60)]
    public int AccessTokenMinutes { get; set; } = 5;

    [Range(1, 90)]
    public int RefreshTokenDays { get; set; } = 30;

    /// <summary>How often each process reloads the key set, so a rotation on one process reaches the others.</summary>
    [Range(1, 300)]
    public int KeyRefreshSeconds { get; set; } = 5;

    [Range(2048, 4096)]
    public int RsaKeySize { get; set; } = 2048;
}
