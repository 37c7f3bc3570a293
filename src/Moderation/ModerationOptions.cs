using System.ComponentModel.DataAnnotations;

namespace Live.Moderation;

/// <summary>Configuration section "Moderation". Every limit of the pipeline is here; docs/moderation.md lists them.</summary>
public sealed class ModerationOptions : IValidatableObject
{
    public const string Section = "Moderation";

    /// <summary>Token refill rate of the per-user, per-room bucket for users below every <see cref="LevelLimits"/> tier.</summary>
    [Range(0.01, 10_000)]
    public double MessagesPerSecond { get; set; } = 10;

    /// <summary>Bucket size: how many messages a user may send at once after being quiet.</summary>
    [Range(1, 10_000)]
    public int Burst { get; set; } = 10;

    /// <summary>Raised limits by user level; the tier with the highest <see cref="LevelLimit.MinLevel"/> not above the user's level applies.</summary>
    public LevelLimit[] LevelLimits { get; set; } = [];

    /// <summary>Rate-limit refusals within <see cref="FloodWindowSeconds"/> after which the verdict asks for a disconnect.</summary>
    [Range(1, 1_000_000)]
    public int DisconnectAfterRefusals { get; set; } = 50;

    [Range(1, 3_600)]
    public int FloodWindowSeconds { get; set; } = 10;

    /// <summary>Upper bound of the in-process rate buckets; idle buckets are evicted first when it is reached.</summary>
    [Range(1_000, 10_000_000)]
    public int MaxLocalBuckets { get; set; } = 100_000;

    /// <summary>The same user sending the same normalized text in the same room within this window is refused; 0 turns it off.</summary>
    [Range(0, 3_600_000)]
    public int DuplicateWindowMs { get; set; } = 5_000;

    /// <summary>
    /// How long a node keeps a room's slow-mode and unique-mode settings; changes reach the other nodes by notice at
    /// once, so this only bounds how long a node misses a change whose notice was lost. 0 reads them per message.
    /// </summary>
    [Range(0, 600_000)]
    public int RoomRulesCacheMs { get; set; } = 5_000;

    /// <summary>Rooms whose rules a node keeps at most; past it the expired ones are swept, then all.</summary>
    [Range(1_000, 10_000_000)]
    public int RoomRulesCacheMaxEntries { get; set; } = 100_000;

    /// <summary>Maximum message length in Unicode scalar values (an emoji counts once).</summary>
    [Range(1, 10_000)]
    public int MaxLength { get; set; } = 100;

    /// <summary>Colours a message may carry (#RRGGBB, case-insensitive). A message without a colour is always allowed.</summary>
    [Required]
    public string[] AllowedColors { get; set; } = ["#FFFFFF", "#FE0302", "#FF7204", "#FFAA02", "#FFD302", "#00CD00", "#019899", "#4266BE", "#89D5FF", "#CC0273"];

    /// <summary>Refuse control characters (Unicode Cc) and bidirectional overrides/isolates.</summary>
    public bool RejectControlCharacters { get; set; } = true;

    /// <summary>Characters removed when they stand between two letters or digits ("f.u.c.k", "傻 逼"), after full-width folding.</summary>
    [Required(AllowEmptyStrings = true)]
    public string Separators { get; set; } = " .-_*~·,|/\\+";

    [Range(1, 1_000_000)]
    public int MaxGlobalWords { get; set; } = 100_000;

    [Range(0, 1_000_000)]
    public int MaxRoomsWithWords { get; set; } = 10_000;

    [Range(1, 100_000)]
    public int MaxWordsPerRoom { get; set; } = 500;

    /// <summary>Longest word a list may hold, counted after normalization.</summary>
    [Range(1, 64)]
    public int MaxWordLength { get; set; } = 32;

    /// <summary>Redis pub/sub channel on which word-list changes are announced to every node.</summary>
    [Required]
    public string WordsChannel { get; set; } = "moderation:words";

    /// <summary>Full reload period: pub/sub is at-most-once, so a lost notification is repaired within this time.</summary>
    [Range(1, 86_400)]
    public int FullReloadSeconds { get; set; } = 60;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var color in AllowedColors)
        {
            if (!IsHexColor(color))
            {
                yield return new ValidationResult($"'{color}' is not a #RRGGBB colour.", [nameof(AllowedColors)]);
            }
        }

        foreach (var tier in LevelLimits)
        {
            if (tier.MessagesPerSecond <= 0 || tier.Burst < 1 || tier.MinLevel < 0)
            {
                yield return new ValidationResult($"Level tier {tier.MinLevel} needs MinLevel >= 0, MessagesPerSecond > 0 and Burst >= 1.", [nameof(LevelLimits)]);
            }
        }
    }

    /// <summary>The rate limit that applies to a user of <paramref name="level"/>.</summary>
    public RateLimit LimitFor(int level)
    {
        var limit = new RateLimit(MessagesPerSecond, Burst);
        var bestLevel = int.MinValue;
        foreach (var tier in LevelLimits)
        {
            if (tier.MinLevel <= level && tier.MinLevel > bestLevel)
            {
                bestLevel = tier.MinLevel;
                limit = new RateLimit(tier.MessagesPerSecond, tier.Burst);
            }
        }

        return limit;
    }

    internal static bool IsHexColor(string? value) =>
        value is { Length: 7 } && value[0] == '#' && !value.AsSpan(1).ContainsAnyExcept(HexDigits);

    private static readonly System.Buffers.SearchValues<char> HexDigits = System.Buffers.SearchValues.Create("0123456789abcdefABCDEF");
}

public sealed class LevelLimit
{
    public int MinLevel { get; set; }
    public double MessagesPerSecond { get; set; }
    public int Burst { get; set; }
}

public readonly record struct RateLimit(double MessagesPerSecond, int Burst);
