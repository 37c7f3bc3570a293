using System.Net;
using Live.MessageService.Ingest;
using Live.Moderation.Bans;
using Live.Moderation.Content;
using Live.Moderation.Pipeline;
using Live.Moderation.Words;
using Live.Redis;
using Live.V1;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using BanKind = Live.Moderation.Bans.BanKind;

namespace Live.MessageService.Inbox;

/// <summary>What the gate says about a user's whisper: refused with a reason, or accepted with the text to store.</summary>
public readonly record struct WhisperVerdict(RejectReason Reason, string Detail, TimeSpan? RetryAfter, string Content)
{
    public bool Accepted => Reason == RejectReason.Unspecified;
}

/// <summary>
/// Judges a whisper from a signed-in user with moderation's own parts, in danmaku's order where they apply
/// (docs/moderation.md): bans, then the sender's whisper rate (Inbox:WhispersPerMinute, one window shared by
/// every node through Redis), then the content rules, then the global word list (a whisper has no room, so
/// room timeouts, slow mode and room words do not apply). Masked words come out as ***.
/// </summary>
public sealed class WhisperGate(
    IBanLookup bans,
    ContentRules contentRules,
    WordFilter words,
    IConnectionMultiplexer redis,
    IOptions<InboxOptions> options,
    TimeProvider time)
{
    private static readonly string CountScript = EmbeddedLuaScript.Read<WhisperGate>("count-whisper.lua");
    private const long WindowMs = 60_000;

    public async Task<WhisperVerdict> CheckAsync(long senderId, string content, IPAddress? clientAddress, CancellationToken ct)
    {
        switch (await bans.GetBanAsync(senderId, clientAddress, ct))
        {
            case BanKind.User:
                return Refuse(RejectReason.Banned, "you are banned from sending messages.");
            case BanKind.Ip:
                return Refuse(RejectReason.IpBanned, "messages from your network address are banned.");
        }

        var nowMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        var window = nowMs / WindowMs;
        var remainingMs = (window + 1) * WindowMs - nowMs;
        var limit = options.Value.WhispersPerMinute;
        var count = (long)await redis.GetDatabase().ScriptEvaluateAsync(
            CountScript, [new RedisKey($"user:{{{senderId}}}:whispers:{window}")], [limit, remainingMs]);
        if (count < 0)
        {
            return new WhisperVerdict(RejectReason.RateLimited, $"you may send {limit} whispers a minute; retry in {remainingMs} ms.", TimeSpan.FromMilliseconds(remainingMs), content);
        }

        var reason = contentRules.Check(content, color: null);
        if (reason != ModerationReason.None)
        {
            return Refuse(ModerationStep.ReasonOf(reason), reason == ModerationReason.TooLong ? "the whisper is too long." : $"the whisper was refused: {ModerationStep.ReasonOf(reason)}.");
        }

        var scan = words.Scan(0, content);
        return scan.Verdict switch
        {
            WordVerdict.Blocked => Refuse(RejectReason.BlockedWord, "the message contains a blocked word."),
            WordVerdict.Masked => new WhisperVerdict(RejectReason.Unspecified, string.Empty, null, scan.MaskedText!),
            _ => new WhisperVerdict(RejectReason.Unspecified, string.Empty, null, content),
        };
    }

    private static WhisperVerdict Refuse(RejectReason reason, string detail) => new(reason, detail, null, string.Empty);
}
