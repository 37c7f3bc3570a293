namespace Live.Protocol;

/// <summary>What a frame carries. The byte values are the wire values and never change meaning.</summary>
public enum FrameType : byte
{
    /// <summary>Bullet chat: the ordinary, droppable room message.</summary>
    Danmaku = 0x01,
    Heartbeat = 0x02,
    Gift = 0x03,
    System = 0x04,
    JoinNotice = 0x05,
    LeaveNotice = 0x06,

    /// <summary>
    /// Server to client: the seq slot holds an <see cref="ErrorCode"/>, the name field its stable name
    /// (<see cref="ErrorCodes.Name"/>), content the reason for people, and the user id slot when a retry
    /// can succeed, in ms (0: no retry time).
    /// </summary>
    Error = 0x07,

    /// <summary>Server to client: many message frames in one WebSocket frame, optionally zstd-compressed.</summary>
    Batch = 0x08,

    /// <summary>Server to client: history replay is over; seq is the last seq before live traffic.</summary>
    Resume = 0x09,

    /// <summary>Server to client: the message with this seq was removed (moderation); hide it.</summary>
    Delete = 0x0A,

    /// <summary>Server to client: messages after the client's last seq up to this seq are gone from history.</summary>
    NotRecovered = 0x0B,

    /// <summary>Server to client: the seq slot holds the room's current viewer count.</summary>
    OnlineCount = 0x0C,

    /// <summary>
    /// Server to client, signed-in connections only: content = the room pass (a token that proves the user is in
    /// this room, for CommerceService's Purchase), user id slot = its user, seq slot = when it expires (Unix ms).
    /// </summary>
    RoomPass = 0x0D,

    /// <summary>
    /// Server to client, signed-in connections only: a message to this user (docs/inbox.md). Seq slot = the user's own
    /// seq, user id slot = the sender (0: the platform), room id = the room it is about (0: none), timestamp = when it
    /// was accepted; fields: sender name, content, colour (empty); then <see cref="FrameLayout.UserMessageTailSize"/>
    /// bytes: kind (u8, <see cref="UserMessageKinds"/>) and duration in seconds (i64).
    /// </summary>
    UserMessage = 0x0E,

    /// <summary>Client to server: every user message up to the seq slot was handed to the user (cumulative).</summary>
    Ack = 0x0F,
}

[Flags]
public enum FrameFlags : byte
{
    None = 0,

    /// <summary>The batch payload is zstd-compressed. Only on batch frames, only server to client.</summary>
    Compressed = 0x01,

    /// <summary>Set on, and only on, <see cref="FrameType.Batch"/> frames.</summary>
    Batch = 0x02,

    /// <summary>
    /// The message frame carries its sender's W3C trace context after its text fields
    /// (<see cref="FrameLayout.TraceContextSize"/> bytes). Only on message frames; clients set it to have a send traced.
    /// </summary>
    Traced = 0x04,
}

/// <summary>The code in an <see cref="FrameType.Error"/> frame's seq slot. Values never change meaning.</summary>
public enum ErrorCode : long
{
    MalformedFrame = 1,
    UnsupportedFrame = 2,
    RateLimited = 3,
    InvalidContent = 4,
    NotAllowed = 5,
    RoomNotLive = 6,
    Unavailable = 7,
    Overloaded = 8,

    // Moderation refusals (docs/moderation.md); the connection stays open except after Flooding.
    Banned = 9,
    IpBanned = 10,
    TimedOut = 11,
    SlowMode = 12,
    Duplicate = 13,
    DuplicateInRoom = 14,
    BlockedWord = 15,
    TooLong = 16,
    BadColour = 17,
    ControlChars = 18,
    Flooding = 19,
    Empty = 20,
}

public static class ErrorCodes
{
    /// <summary>The stable snake_case name of a code: the name field of error frames and "reason" in JSON.</summary>
    public static string Name(ErrorCode code) => code switch
    {
        ErrorCode.MalformedFrame => "malformed_frame",
        ErrorCode.UnsupportedFrame => "unsupported_frame",
        ErrorCode.RateLimited => "rate_limited",
        ErrorCode.InvalidContent => "invalid_content",
        ErrorCode.NotAllowed => "not_allowed",
        ErrorCode.RoomNotLive => "room_not_live",
        ErrorCode.Unavailable => "unavailable",
        ErrorCode.Overloaded => "overloaded",
        ErrorCode.Banned => "banned",
        ErrorCode.IpBanned => "ip_banned",
        ErrorCode.TimedOut => "timed_out",
        ErrorCode.SlowMode => "slow_mode",
        ErrorCode.Duplicate => "duplicate",
        ErrorCode.DuplicateInRoom => "duplicate_in_room",
        ErrorCode.BlockedWord => "blocked_word",
        ErrorCode.TooLong => "too_long",
        ErrorCode.BadColour => "bad_colour",
        ErrorCode.ControlChars => "control_chars",
        ErrorCode.Flooding => "flooding",
        ErrorCode.Empty => "empty",
        _ => "error",
    };
}

/// <summary>The kind byte of a user message frame: the values of <c>live.v1.InboxKind</c>, which never change meaning.</summary>
public static class UserMessageKinds
{
    public const byte System = 1;
    public const byte Moderation = 2;
    public const byte Whisper = 3;
    public const byte Follow = 4;

    /// <summary>The stable name of a kind, as JSON's "kind"; a kind newer than this codec is "unknown".</summary>
    public static string Name(byte kind) => kind switch
    {
        System => "system",
        Moderation => "moderation",
        Whisper => "whisper",
        Follow => "follow",
        _ => "unknown",
    };
}

/// <summary>WebSocket close codes the Edge uses; 4xxx are this protocol's own.</summary>
public static class CloseCodes
{
    public const int Normal = 1000;
    public const int GoingAway = 1001;
    public const int MessageTooBig = 1009;

    /// <summary>The client sent too many malformed frames.</summary>
    public const int TooManyInvalidFrames = 4001;

    /// <summary>Nothing was received from the client (not even a heartbeat) within the idle timeout.</summary>
    public const int IdleTimeout = 4002;

    /// <summary>The client did not read fast enough: its outgoing queue stayed over its cap.</summary>
    public const int SlowConsumer = 4008;

    /// <summary>The client sent more frames per second than allowed.</summary>
    public const int TooManyFrames = 4029;

    /// <summary>The user kept sending after being rate-limited (moderation's repeat-flooder rule).</summary>
    public const int Flooding = 4030;

    /// <summary>The room ended while the client was in it.</summary>
    public const int RoomEnded = 4010;
}
