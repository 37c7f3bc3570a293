using System.ComponentModel.DataAnnotations;

namespace Live.Proxy.Auth;

public sealed class ProxyAuthOptions
{
    public const string Section = "Auth";

    /// <summary>UserService's JWKS document (its HTTP port), fetched at start and refreshed periodically.</summary>
    [Required, Url]
    public string JwksUrl { get; set; } = string.Empty;

    [Required]
    public string Issuer { get; set; } = string.Empty;

    [Required]
    public string Audience { get; set; } = string.Empty;

    /// <summary>Tolerance for clocks that disagree; at most 30 s so an expired token dies quickly.</summary>
    [Range(0, 30)]
    public int ClockSkewSeconds { get; set; } = 30;

    /// <summary>How often the JWKS is fetched even when nothing asks for it (a retired key drops out within this).</summary>
    [Range(1, 3_600)]
    public int JwksRefreshSeconds { get; set; } = 30;

    /// <summary>
    /// The least time between two fetches, however many tokens with unknown key ids arrive, so a client
    /// cannot make the Proxy hammer UserService.
    /// </summary>
    [Range(1, 300)]
    public int JwksMinRefreshSeconds { get; set; } = 1;

    /// <summary>Keys beyond this many in one document are ignored (a document that large is wrong).</summary>
    [Range(1, 100)]
    public int MaxKeys { get; set; } = 16;
}
