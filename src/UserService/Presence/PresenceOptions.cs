using System.ComponentModel.DataAnnotations;

namespace Live.UserService.Presence;

public sealed class PresenceOptions
{
    public const string Section = "Presence";

    /// <summary>A user is online this long after the last heartbeat; Edges heartbeat well within it.</summary>
    [Range(5, 3_600)]
    public int TtlSeconds { get; set; } = 60;

    [Range(1, 10_000)]
    public int MaxBatch { get; set; } = 1_000;
}
