using System.Net;

namespace Live.Moderation.Pipeline;

/// <summary>Why a message was refused. <see cref="ModerationVerdict.ReasonCode"/> gives the stable text sent to clients.</summary>
public enum ModerationReason : byte
{
    None,
    Banned,
    IpBanned,
    RateLimited,
    Flooding,
    TimedOut,
    SlowMode,
    Empty,
    TooLong,
    ControlCharacter,
    ColorNotAllowed,
    Duplicate,
    DuplicateInRoom,
    BlockedWord,
    Unavailable,
}

public enum ModerationOutcome : byte
{
    /// <summary>Deliver to the room (<see cref="ModerationVerdict.Content"/> may be masked).</summary>
    Accepted,

    /// <summary>Refuse with an error frame carrying the reason code and, where it applies, when to retry.</summary>
    Rejected,

    /// <summary>Shadow-banned sender: deliver to the sender's own connections only, as if accepted.</summary>
    Shadow,
}

/// <summary>A message to judge. <paramref name="Color"/> is "#RRGGBB" or null for the default.</summary>
public readonly record struct ModerationRequest(long UserId, long RoomId, string Content, int UserLevel = 0, IPAddress? ClientAddress = null, string? Color = null);

/// <summary>
/// The pipeline's decision. Rejections carry a machine-readable reason and, for rules that lift by
/// themselves, how long until a retry can succeed; <see cref="Disconnect"/> asks the caller to drop a
/// repeat flooder.
/// </summary>
public readonly record struct ModerationVerdict(
    ModerationOutcome Outcome,
    ModerationReason Reason,
    string? Content,
    TimeSpan? RetryAfter = null,
    string? MatchedWord = null,
    bool Masked = false,
    bool Disconnect = false)
{
    public static ModerationVerdict Accept(string content, bool masked, string? matchedWord) =>
        new(ModerationOutcome.Accepted, ModerationReason.None, content, MatchedWord: matchedWord, Masked: masked);

    public static ModerationVerdict Shadow(string content, bool masked, string? matchedWord) =>
        new(ModerationOutcome.Shadow, ModerationReason.None, content, MatchedWord: matchedWord, Masked: masked);

    public static ModerationVerdict Reject(ModerationReason reason, TimeSpan? retryAfter = null, string? matchedWord = null, bool disconnect = false) =>
        new(ModerationOutcome.Rejected, reason, null, retryAfter, matchedWord, Disconnect: disconnect);

    public bool IsAccepted => Outcome == ModerationOutcome.Accepted;

    /// <summary>accepted, masked, shadow or rejected: the "outcome" tag of the verdict metric.</summary>
    public string OutcomeCode => Outcome switch
    {
        ModerationOutcome.Accepted => Masked ? "masked" : "accepted",
        ModerationOutcome.Shadow => "shadow",
        _ => "rejected",
    };

    /// <summary>The reason as the stable snake_case code clients and dashboards see; "none" when not rejected.</summary>
    public string ReasonCode => Reason switch
    {
        ModerationReason.None => "none",
        ModerationReason.Banned => "banned",
        ModerationReason.IpBanned => "ip_banned",
        ModerationReason.RateLimited => "rate_limited",
        ModerationReason.Flooding => "flooding",
        ModerationReason.TimedOut => "timed_out",
        ModerationReason.SlowMode => "slow_mode",
        ModerationReason.Empty => "empty",
        ModerationReason.TooLong => "too_long",
        ModerationReason.ControlCharacter => "control_chars",
        ModerationReason.ColorNotAllowed => "bad_colour",
        ModerationReason.Duplicate => "duplicate",
        ModerationReason.DuplicateInRoom => "duplicate_in_room",
        ModerationReason.BlockedWord => "blocked_word",
        ModerationReason.Unavailable => "unavailable",
        _ => throw new ArgumentOutOfRangeException(nameof(Reason), Reason, null),
    };
}
