using System.Buffers;
using Live.V1;
using Microsoft.Extensions.Options;

namespace Live.MessageService.Ingest;

/// <summary>Basic shape checks: kind, content length, user name length, colour.</summary>
public sealed class ContentRules(IOptions<MessageOptions> options) : IIngestStep
{
    private static readonly SearchValues<char> HexDigits = SearchValues.Create("0123456789abcdefABCDEF");

    private static readonly HashSet<string> NamedColors = new(StringComparer.OrdinalIgnoreCase)
    {
        "white", "black", "red", "green", "blue", "yellow", "orange", "purple", "pink", "cyan", "gray", "grey",
    };

    private readonly MessageOptions settings = options.Value;

    public ValueTask<IngestVerdict> CheckAsync(IncomingMessage message, CancellationToken cancellationToken) =>
        new(Check(message));

    private IngestVerdict Check(IncomingMessage message)
    {
        if (message.Kind is not (MessageKind.Danmaku or MessageKind.Gift or MessageKind.System))
        {
            return IngestVerdict.Reject(RejectReason.InvalidContent, $"kind {(int)message.Kind} is not danmaku, gift or system.");
        }

        if (string.IsNullOrWhiteSpace(message.Content))
        {
            return IngestVerdict.Reject(RejectReason.InvalidContent, "content must not be empty.");
        }

        if (message.Content.Length > settings.MaxContentLength)
        {
            return IngestVerdict.Reject(RejectReason.InvalidContent,
                $"content has {message.Content.Length} characters; the maximum is {settings.MaxContentLength}.");
        }

        if (message.UserName.Length > settings.MaxUserNameLength)
        {
            return IngestVerdict.Reject(RejectReason.InvalidContent,
                $"user name has {message.UserName.Length} characters; the maximum is {settings.MaxUserNameLength}.");
        }

        if (!IsColor(message.Color))
        {
            return IngestVerdict.Reject(RejectReason.InvalidContent,
                $"color '{Truncate(message.Color)}' is not #rrggbb or one of: {string.Join(", ", NamedColors.Order())}.");
        }

        return IngestVerdict.Accept;
    }

    public static bool IsColor(string color) =>
        color.Length == 0
        || (color.Length == 7 && color[0] == '#' && !color.AsSpan(1).ContainsAnyExcept(HexDigits))
        || NamedColors.Contains(color);

    private static string Truncate(string text) => text.Length <= 16 ? text : text[..16] + "…";
}
