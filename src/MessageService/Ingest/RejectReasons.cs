using Live.V1;

namespace Live.MessageService.Ingest;

/// <summary>
/// The stable snake_case code of each reason: the "reason" tag of the rejection metric, the rejection log and
/// Publish's `live-reason` trailer. The same names as the error codes of error frames (Live.Protocol.ErrorCodes).
/// </summary>
public static class RejectReasons
{
    public static string Code(RejectReason reason) => reason switch
    {
        RejectReason.InvalidContent => "invalid_content",
        RejectReason.RoomNotLive => "room_not_live",
        RejectReason.RoomNotFound => "room_not_found",
        RejectReason.Unavailable => "unavailable",
        RejectReason.NotAllowed => "not_allowed",
        RejectReason.RateLimited => "rate_limited",
        RejectReason.Banned => "banned",
        RejectReason.IpBanned => "ip_banned",
        RejectReason.TimedOut => "timed_out",
        RejectReason.SlowMode => "slow_mode",
        RejectReason.Duplicate => "duplicate",
        RejectReason.DuplicateInRoom => "duplicate_in_room",
        RejectReason.BlockedWord => "blocked_word",
        RejectReason.TooLong => "too_long",
        RejectReason.BadColour => "bad_colour",
        RejectReason.ControlChars => "control_chars",
        RejectReason.Flooding => "flooding",
        RejectReason.Empty => "empty",
        _ => "other",
    };
}
