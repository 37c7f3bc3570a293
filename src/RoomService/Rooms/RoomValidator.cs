using System.Text;
using Live.ServiceDefaults.Grpc;
using Microsoft.Extensions.Options;

namespace Live.RoomService.Rooms;

/// <summary>Checks client input and fails with INVALID_ARGUMENT naming the field and the rule.</summary>
public sealed class RoomValidator(IOptions<RoomOptions> options)
{
    private const int MaxCoverUrlLength = 512;
    private readonly RoomOptions options = options.Value;

    public string Title(string? title)
    {
        var trimmed = (title ?? string.Empty).Trim();
        if (trimmed.Length == 0)
        {
            RpcErrors.InvalidArgument("title must not be empty.");
        }

        var length = CountCharacters(trimmed);
        if (length > options.MaxTitleLength)
        {
            RpcErrors.InvalidArgument($"title is {length} characters; the maximum is {options.MaxTitleLength}.");
        }

        foreach (var rune in trimmed.EnumerateRunes())
        {
            if (Rune.IsControl(rune))
            {
                RpcErrors.InvalidArgument($"title must not contain control characters (found U+{rune.Value:X4}).");
            }
        }

        return trimmed;
    }

    public string CoverUrl(string? coverUrl)
    {
        var value = (coverUrl ?? string.Empty).Trim();
        if (value.Length == 0)
        {
            return value;
        }

        if (value.Length > MaxCoverUrlLength)
        {
            RpcErrors.InvalidArgument($"cover_url is {value.Length} characters; the maximum is {MaxCoverUrlLength}.");
        }

        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            RpcErrors.InvalidArgument("cover_url must be an absolute http or https URL.");
        }

        return value;
    }

    public string Category(string? category)
    {
        var value = (category ?? string.Empty).Trim();
        if (Array.IndexOf(options.Categories, value) < 0)
        {
            RpcErrors.InvalidArgument(value.Length == 0
                ? $"category is required; expected one of: {string.Join(", ", options.Categories)}."
                : $"category '{value}' is unknown; expected one of: {string.Join(", ", options.Categories)}.");
        }

        return value;
    }

    /// <summary>Length as a person counts it: Unicode scalar values, so an emoji is one character, not two.</summary>
    private static int CountCharacters(string text)
    {
        var count = 0;
        foreach (var _ in text.EnumerateRunes())
        {
            count++;
        }

        return count;
    }
}
