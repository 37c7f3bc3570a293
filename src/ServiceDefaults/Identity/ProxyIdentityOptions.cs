using System.ComponentModel.DataAnnotations;

namespace Live.ServiceDefaults.Identity;

public sealed class ProxyIdentityOptions
{
    public const string Section = "Identity";

    /// <summary>
    /// The secret the Proxy signs identity headers with (at least 32 characters). A backend without it accepts
    /// only internal calls (no identity headers) and rejects any call that carries identity.
    /// </summary>
    [MinLength(32)]
    public string? ProxySecret { get; set; }

    /// <summary>How old a proof may be; bounds the replay window of a captured request.</summary>
    [Range(1, 600)]
    public int MaxProofAgeSeconds { get; set; } = 60;
}
