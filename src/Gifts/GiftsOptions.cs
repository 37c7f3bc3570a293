using System.ComponentModel.DataAnnotations;

namespace Live.Gifts;

public sealed class GiftsOptions
{
    public const string Section = "Gifts";

    /// <summary>Kafka topic the gift outbox publishes to (tests use their own).</summary>
    [Required]
    public string Topic { get; set; } = "gift-events";

    /// <summary>Most gifts of one kind in one send.</summary>
    [Range(1, 100_000)]
    public int MaxCount { get; set; } = 9_999;

    /// <summary>How long a read of the catalog is reused before it is read again.</summary>
    [Range(1, 3_600)]
    public int CatalogRefreshSeconds { get; set; } = 60;
}
