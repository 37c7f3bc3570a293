using System.Globalization;
using Live.Moderation;
using Live.Moderation.Content;
using Live.Moderation.Pipeline;
using Live.Protocol;
using Live.V1;
using Microsoft.Extensions.Options;

namespace Live.MessageService.Ingest;

/// <summary>
/// Moderation as an ingest step (docs/moderation.md). A viewer's message goes through the whole pipeline —
/// bans, rate limit, timeout and slow mode, content rules, duplicates, words — and may come out masked or as
/// a shadow; a service's message through the content rules only, the one set every message obeys. Refusals
/// are recorded in the room's rejection log.
/// </summary>
public sealed class ModerationStep(
    ModerationPipeline pipeline,
    ContentRules contentRules,
    RejectionLog rejections,
    IOptions<ModerationOptions> options) : IIngestStep
{
    private readonly ModerationOptions settings = options.Value;

    public ValueTask<IngestVerdict> CheckAsync(IncomingMessage message, CancellationToken cancellationToken)
    {
        var color = message.Color.Length == 0 ? null : message.Color;
        if (message.Origin == MessageOrigin.Service)
        {
            var reason = contentRules.Check(message.Content, color);
            return new(reason == ModerationReason.None ? IngestVerdict.Accept : Refuse(message, ModerationVerdict.Reject(reason)));
        }

        var pending = pipeline.EvaluateAsync(
            new ModerationRequest(message.UserId, message.RoomId, message.Content, message.UserLevel, message.ClientAddress, color), cancellationToken);
        return pending.IsCompletedSuccessfully ? new(ToIngest(message, pending.Result)) : AwaitAsync(message, pending);
    }

    private async ValueTask<IngestVerdict> AwaitAsync(IncomingMessage message, ValueTask<ModerationVerdict> pending) =>
        ToIngest(message, await pending);

    private IngestVerdict ToIngest(in IncomingMessage message, in ModerationVerdict verdict) => verdict.Outcome switch
    {
        ModerationOutcome.Accepted => verdict.Masked ? IngestVerdict.AcceptAs(verdict.Content, shadow: false) : IngestVerdict.Accept,
        ModerationOutcome.Shadow => IngestVerdict.AcceptAs(verdict.Masked ? verdict.Content : null, shadow: true),
        _ => Refuse(message, verdict),
    };

    private IngestVerdict Refuse(in IncomingMessage message, in ModerationVerdict verdict)
    {
        var reason = ReasonOf(verdict.Reason);
        if (reason != RejectReason.Unavailable)
        {
            // An outage is not a moderation decision; everything else is what a room's moderators want to see.
            rejections.Record(message, RejectReasonTable.NameOf(reason), verdict.MatchedWord);
        }

        return IngestVerdict.Reject(reason, Describe(verdict, message.Color), verdict.RetryAfter, verdict.Disconnect);
    }

    internal static RejectReason ReasonOf(ModerationReason reason) => reason switch
    {
        ModerationReason.Banned => RejectReason.Banned,
        ModerationReason.IpBanned => RejectReason.IpBanned,
        ModerationReason.RateLimited => RejectReason.RateLimited,
        ModerationReason.Flooding => RejectReason.Flooding,
        ModerationReason.TimedOut => RejectReason.TimedOut,
        ModerationReason.SlowMode => RejectReason.SlowMode,
        ModerationReason.Empty => RejectReason.Empty,
        ModerationReason.TooLong => RejectReason.TooLong,
        ModerationReason.ControlCharacter => RejectReason.ControlChars,
        ModerationReason.ColorNotAllowed => RejectReason.BadColour,
        ModerationReason.Duplicate => RejectReason.Duplicate,
        ModerationReason.DuplicateInRoom => RejectReason.DuplicateInRoom,
        ModerationReason.BlockedWord => RejectReason.BlockedWord,
        _ => RejectReason.Unavailable,
    };

    /// <summary>The reason for people; the matched word is not named, so a refusal does not teach how to get around it.</summary>
    private string Describe(in ModerationVerdict verdict, string color)
    {
        var retry = verdict.RetryAfter is { } after ? $"; retry in {after.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s" : string.Empty;
        return verdict.Reason switch
        {
            ModerationReason.Banned => "you are banned from sending messages.",
            ModerationReason.IpBanned => "messages from your network address are banned.",
            ModerationReason.RateLimited => $"you are sending too fast{retry}.",
            ModerationReason.Flooding => "you kept sending after being rate-limited; disconnecting.",
            ModerationReason.TimedOut => $"you are timed out of this room{retry}.",
            ModerationReason.SlowMode => $"slow mode is on in this room{retry}.",
            ModerationReason.Empty => "content must not be empty.",
            ModerationReason.TooLong => $"content is longer than {settings.MaxLength} characters.",
            ModerationReason.ControlCharacter => "content must not contain control characters.",
            ModerationReason.ColorNotAllowed =>
                $"colour '{(color.Length <= 16 ? color : color[..16] + "…")}' is not allowed; use one of {string.Join(", ", settings.AllowedColors)}.",
            ModerationReason.Duplicate => $"you sent the same message just now{retry}.",
            ModerationReason.DuplicateInRoom => $"this room takes each message once for a while (unique mode){retry}.",
            ModerationReason.BlockedWord => "the message contains a blocked word.",
            _ => $"moderation is unavailable{retry}.",
        };
    }
}
