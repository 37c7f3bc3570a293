using System.ComponentModel.DataAnnotations;

namespace Live.Proxy.Limits;

public sealed class ProxyLimitsOptions
{
    public const string Section = "Limits";

    /// <summary>Requests per window from one client IP (every request, signed in or not).</summary>
    [Required]
    public WindowLimit PerIp { get; set; } = new() { PermitLimit = 600, WindowSeconds = 10 };

    /// <summary>Requests per window from one signed-in user, whatever IPs they come from.</summary>
    [Required]
    public WindowLimit PerUser { get; set; } = new() { PermitLimit = 300, WindowSeconds = 10 };

    /// <summary>
    /// Purchases per window from one signed-in user (CommerceService Purchase, on top of PerIp and PerUser): a
    /// flash sale is decided in its first second, so a script pressing "buy" in a loop gets this many tries.
    /// </summary>
    [Required]
    public WindowLimit PurchasePerUser { get; set; } = new() { PermitLimit = 5, WindowSeconds = 1 };

    /// <summary>Largest request body accepted (413 beyond it); gRPC messages are capped at 4 MiB by the services anyway.</summary>
    [Range(1_024, 64L * 1024 * 1024)]
    public long MaxRequestBodyBytes { get; set; } = 4L * 1024 * 1024;

    /// <summary>Origins (scheme://host[:port]) whose pages may open the WebSocket; any other Origin gets 403.</summary>
    [Required]
    public string[] WebSocketOrigins { get; set; } = [];

    /// <summary>
    /// Whether a WebSocket request without an Origin header is let through. Browsers always send one, so
    /// its absence means a native client, which cross-site WebSocket hijacking cannot use.
    /// </summary>
    public bool AllowMissingOrigin { get; set; } = true;

    public sealed class WindowLimit
    {
        [Range(1, 1_000_000)]
        public int PermitLimit { get; set; }

        [Range(1, 3_600)]
        public int WindowSeconds { get; set; }
    }
}
