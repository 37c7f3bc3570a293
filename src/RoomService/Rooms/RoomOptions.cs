using System.ComponentModel.DataAnnotations;

namespace Live.RoomService.Rooms;

public sealed class RoomOptions
{
    public const string Section = "Rooms";

    /// <summary>The categories a room may be created in; anything else is INVALID_ARGUMENT.</summary>
    [Required, MinLength(1)]
    /// <remarks>
    /// No initializer: the configuration binder appends configured array items to an existing array, so a
    /// default here would be listed twice. <see cref="DefaultCategories"/> applies when nothing is configured.
    /// </remarks>
    public string[] Categories { get; set; } = [];

    public static readonly string[] DefaultCategories = ["chat", "gaming", "music", "sports", "education", "outdoor", "shopping"];

    [Range(1, 500)]
    public int MaxTitleLength { get; set; } = 100;

    /// <summary>Lifetime of a cached room; each entry gets up to 10% jitter so hot keys do not expire together.</summary>
    [Range(1, 86_400)]
    public int CacheTtlSeconds { get; set; } = 60;

    /// <summary>Lifetime of a cached "no such room", which keeps id scans off the database.</summary>
    [Range(1, 3_600)]
    public int MissingCacheTtlSeconds { get; set; } = 5;

    /// <summary>How long one loader may hold a room's fill lock before others stop waiting for it.</summary>
    [Range(100, 30_000)]
    public int CacheFillLockMs { get; set; } = 2_000;

    /// <summary>
    /// How long GetRoom and ListRooms answers (viewer counts included) are reused in this process; 0 turns it off.
    /// Other replicas' changes arrive sooner by notice; this bounds how stale an answer can be if one is lost.
    /// </summary>
    [Range(0, 60_000)]
    public int ReadCacheMs { get; set; } = 1_000;

    /// <summary>Answers kept at most, per kind (rooms, list pages); past it expired ones are swept, then all.</summary>
    [Range(100, 10_000_000)]
    public int ReadCacheMaxEntries { get; set; } = 100_000;

    /// <summary>Kafka topic of room lifecycle events (tests use their own).</summary>
    [Required]
    public string EventsTopic { get; set; } = "room-events";

    [Range(1, 10_000)]
    public int MaxViewerChangesPerBatch { get; set; } = 1_000;
}
