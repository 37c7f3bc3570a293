using System.ComponentModel.DataAnnotations;

namespace Live.Bans;

public sealed class BanListOptions
{
    public const string Section = "Bans";

    /// <summary>
    /// How often the local copy is reloaded from Redis in full. Changes arrive by pub/sub within
    /// milliseconds; the reload repairs anything missed while the subscription was down.
    /// </summary>
    [Range(1, 3_600)]
    public int ResyncSeconds { get; set; } = 30;

    /// <summary>
    /// The most bans held in memory per kind. Past it the local copy is dropped and every check asks Redis,
    /// which stays correct at the cost of a round trip.
    /// </summary>
    [Range(1, 10_000_000)]
    public int MaxCachedEntries { get; set; } = 200_000;
}
