using System.Collections.Frozen;
using Live.Moderation.Pipeline;
using Microsoft.Extensions.Options;

namespace Live.Moderation.Content;

/// <summary>Checks that need nothing but the message: not blank, not too long, no control characters, an allowed colour.</summary>
public sealed class ContentRules(IOptions<ModerationOptions> options)
{
    private readonly int maxLength = options.Value.MaxLength;
    private readonly bool rejectControl = options.Value.RejectControlCharacters;
    private readonly FrozenSet<string> allowedColors = options.Value.AllowedColors.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    public ModerationReason Check(ReadOnlySpan<char> content, string? color)
    {
        if (content.IsWhiteSpace())
        {
            return ModerationReason.Empty;
        }

        // Each scalar is one or two chars, so a text longer than twice the limit is too long without counting.
        if (content.Length > maxLength && (content.Length > 2 * maxLength || CountScalars(content) > maxLength))
        {
            return ModerationReason.TooLong;
        }

        if (rejectControl && HasControlCharacter(content))
        {
            return ModerationReason.ControlCharacter;
        }

        if (!string.IsNullOrEmpty(color) && !allowedColors.Contains(color))
        {
            return ModerationReason.ColorNotAllowed;
        }

        return ModerationReason.None;
    }

    /// <summary>Unicode scalar values: a valid surrogate pair counts once, anything else per char.</summary>
    public static int CountScalars(ReadOnlySpan<char> text)
    {
        var count = text.Length;
        for (var i = 0; i < text.Length - 1; i++)
        {
            if (char.IsHighSurrogate(text[i]) && char.IsLowSurrogate(text[i + 1]))
            {
                count--;
                i++;
            }
        }

        return count;
    }

    private static bool HasControlCharacter(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            // Cc, plus the bidirectional embeddings/overrides (U+202A–202E) and isolates (U+2066–2069) that
            // can reverse how the rest of a chat line is displayed.
            if (char.IsControl(c) || c is >= '\u202A' and <= '\u202E' || c is >= '\u2066' and <= '\u2069')
            {
                return true;
            }
        }

        return false;
    }
}
