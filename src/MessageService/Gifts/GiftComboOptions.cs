using System.ComponentModel.DataAnnotations;

namespace Live.MessageService.Gifts;

/// <summary>How repeated gifts are shown as one combo (×N) message per streak.</summary>
public sealed class GiftComboOptions : IValidatableObject
{
    public const string Section = "GiftCombos";

    /// <summary>A streak ends this long after its last gift (sliding: each gift of the streak extends it).</summary>
    [Range(100, 600_000)]
    public int WindowMs { get; set; } = 3_000;

    /// <summary>
    /// After a streak's message, further gifts of the streak within this interval are merged into one update
    /// published at its end, so a fast combo cannot flood a room (gifts are never sampled out).
    /// </summary>
    [Range(10, 60_000)]
    public int FlushIntervalMs { get; set; } = 500;

    /// <summary>Merged updates this node may wait to publish at once; beyond it an update is published at once.</summary>
    [Range(1, 1_000_000)]
    public int MaxPendingUpdates { get; set; } = 10_000;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (FlushIntervalMs >= WindowMs)
        {
            // A streak's state must outlive its pending update, or the update would find nothing to publish.
            yield return new ValidationResult(
                $"FlushIntervalMs ({FlushIntervalMs}) must be shorter than WindowMs ({WindowMs}).", [nameof(FlushIntervalMs), nameof(WindowMs)]);
        }
    }
}
