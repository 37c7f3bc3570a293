using System.Buffers;

namespace Live.Moderation.Text;

/// <summary>
/// Folds text into the form word lists are matched against: full-width ASCII to half-width (U+FF01–FF5E,
/// U+3000), lower case, invisible characters (ZWSP, ZWNJ, ZWJ, WJ, BOM, soft hyphen) dropped everywhere,
/// and configured separators dropped where they stand between two letters or digits. Every output char
/// comes from exactly one input char, whose index is written alongside so a match can be masked in the
/// original text.
/// </summary>
public sealed class TextNormalizer
{
    private static readonly SearchValues<char> Invisible = SearchValues.Create("\u200B\u200C\u200D\u2060\uFEFF\u00AD");

    private readonly SearchValues<char> separators;
    private readonly char[] trimmed;

    public TextNormalizer(string separators)
    {
        this.separators = SearchValues.Create(separators);
        trimmed = [.. separators, ' ', '\t'];
    }

    /// <summary>
    /// Writes the normalized form of <paramref name="source"/> to <paramref name="destination"/> and, for each
    /// char written, its index in <paramref name="source"/> to <paramref name="sourceIndex"/>. Both must be at
    /// least as long as the source (normalization never lengthens text). Returns the normalized length.
    /// </summary>
    public int Normalize(ReadOnlySpan<char> source, Span<char> destination, Span<int> sourceIndex)
    {
        if (destination.Length < source.Length || sourceIndex.Length < source.Length)
        {
            throw new ArgumentException("The destination buffers must be at least as long as the source.");
        }

        var length = 0;
        // Start (in the output) of the run of separators written since the last letter or digit; -1 when
        // the previous output char is not a separator that followed a letter or digit.
        var separatorRunStart = -1;
        var previousIsWordChar = false;
        for (var i = 0; i < source.Length; i++)
        {
            var c = source[i];
            if (Invisible.Contains(c))
            {
                continue;
            }

            c = Fold(c);
            if (separators.Contains(c))
            {
                if (previousIsWordChar)
                {
                    separatorRunStart = length;
                    previousIsWordChar = false;
                }

                destination[length] = c;
                sourceIndex[length++] = i;
                continue;
            }

            var isWordChar = IsWordChar(c);
            if (isWordChar && separatorRunStart >= 0)
            {
                length = separatorRunStart;
            }

            separatorRunStart = -1;
            previousIsWordChar = isWordChar;
            destination[length] = c;
            sourceIndex[length++] = i;
        }

        return length;
    }

    /// <summary>Normalizes into new arrays; for word lists and tests, not the per-message path.</summary>
    public string Normalize(string source)
    {
        var buffer = ArrayPool<char>.Shared.Rent(source.Length);
        var index = ArrayPool<int>.Shared.Rent(source.Length);
        try
        {
            var length = Normalize(source, buffer, index);
            return new string(buffer, 0, length);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(buffer);
            ArrayPool<int>.Shared.Return(index);
        }
    }

    /// <summary>
    /// The form a listed word is stored and matched in: normalized, without separators or spaces at either end
    /// (they could never be matched against a separator-free run anyway). Empty when nothing is left.
    /// </summary>
    public string NormalizeWord(string word) => Normalize(word).Trim(trimmed);

    private static char Fold(char c)
    {
        if (c < 0x80)
        {
            return char.IsAsciiLetterUpper(c) ? (char)(c | 0x20) : c;
        }

        if (c is >= '\uFF01' and <= '\uFF5E')
        {
            c = (char)(c - 0xFEE0);
        }
        else if (c == '\u3000')
        {
            return ' ';
        }

        return char.ToLowerInvariant(c);
    }

    private static bool IsWordChar(char c) => c < 0x80 ? char.IsAsciiLetterOrDigit(c) : char.IsLetterOrDigit(c);
}
