using System.ComponentModel.DataAnnotations;

namespace Live.UserService.Profiles;

public sealed class ProfileOptions
{
    public const string Section = "Profiles";

    /// <summary>
    /// How long a GetProfile answer is reused in this process; 0 turns it off. Changes through this process are
    /// seen at once and other replicas' sooner by notice; this bounds how stale an answer can be if one is lost.
    /// </summary>
    [Range(0, 60_000)]
    public int ReadCacheMs { get; set; } = 1_000;

    /// <summary>Profiles kept at most; past it expired ones are swept, then all.</summary>
    [Range(100, 10_000_000)]
    public int ReadCacheMaxEntries { get; set; } = 100_000;
}
