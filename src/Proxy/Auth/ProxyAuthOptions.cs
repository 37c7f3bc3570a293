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

    /// <summary>
    /// How long an accepted token is remembered, so its next calls skip the signature check; 0 checks every call.
    /// A remembered token is still refused once it expires or once a key fetch no longer holds its key.
    /// </summary>
    [Range(0, 3_600)]
    public int ValidatedTokenCacheSeconds { get; set; } = 30;

    /// <summary>Tokens remembered at most (about 2 KiB each); past it expired ones are swept, then all.</summary>
    [Range(100, 1_000_000)]
    public int ValidatedTokenCacheMaxEntries { get; set; } = 50_000;

    /// <summary>Keys beyond this many in one document are ignored (a document that large is wrong).</summary>
    [Range(1, 100)]
    public int MaxKeys { get; set; } = 16;
}
