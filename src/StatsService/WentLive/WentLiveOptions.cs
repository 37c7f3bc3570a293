using System.ComponentModel.DataAnnotations;

namespace Live.StatsService.WentLive;

/// <summary>Configuration section "WentLive": the follower fan-out when an anchor goes live (docs/inbox.md).</summary>
public sealed class WentLiveOptions
{
    public const string Section = "WentLive";

    /// <summary>Followers per SendToUsers call (the contract allows at most 1,000).</summary>
    [Range(1, 1_000)]
    public int PageSize { get; set; } = 1_000;

    /// <summary>SendToUsers calls of one fan-out under way at once.</summary>
    [Range(1, 64)]
    public int MaxPagesInFlight { get; set; } = 4;

    /// <summary>First pause before a failed page is sent again (same key); it doubles up to <see cref="RetryMaxMs"/>.</summary>
    [Range(10, 60_000)]
    public int RetryBaseMs { get; set; } = 200;

    [Range(100, 600_000)]
    public int RetryMaxMs { get; set; } = 10_000;

    /// <summary>Deadline of one SendToUsers call.</summary>
    [Range(100, 120_000)]
    public int CallTimeoutMs { get; set; } = 10_000;

    /// <summary>A went-live event older than this is skipped: a new consumer group does not announce old broadcasts.</summary>
    [Range(1, 10_080)]
    public int MaxEventAgeMinutes { get; set; } = 60;
}
