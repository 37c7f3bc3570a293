namespace Live.UserService.Telemetry;

/// <summary>Usernames and ids only: passwords and tokens are never logged.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 2000, Level = LogLevel.Information, Message = "User {UserId} registered")]
    public static partial void UserRegistered(ILogger logger, long userId);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Login refused for {Username}: {Reason}")]
    public static partial void LoginRefused(ILogger logger, string username, string reason);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "Refresh token reuse for user {UserId}: family {FamilyId} revoked ({Revoked} token(s))")]
    public static partial void RefreshTokenReuse(ILogger logger, long userId, string familyId, int revoked);

    [LoggerMessage(EventId = 2010, Level = LogLevel.Information, Message = "Signing key {Kid} created; it signs new tokens")]
    public static partial void SigningKeyCreated(ILogger logger, string kid);

    [LoggerMessage(EventId = 2011, Level = LogLevel.Information, Message = "Signing key {Kid} retired")]
    public static partial void SigningKeyRetired(ILogger logger, string kid);

    [LoggerMessage(EventId = 2012, Level = LogLevel.Warning, Message = "Reloading signing keys failed; keeping the {Count} key(s) held")]
    public static partial void SigningKeyReloadFailed(ILogger logger, int count, Exception exception);

    [LoggerMessage(EventId = 2020, Level = LogLevel.Information, Message = "{Kind} {Subject} banned by {By} until {ExpiresAt}: {Reason}")]
    public static partial void Banned(ILogger logger, string kind, string subject, string by, string expiresAt, string reason);

    [LoggerMessage(EventId = 2021, Level = LogLevel.Information, Message = "{Kind} {Subject} unbanned by {By} ({Lifted} ban(s) lifted)")]
    public static partial void Unbanned(ILogger logger, string kind, string subject, string by, int lifted);

    [LoggerMessage(EventId = 2022, Level = LogLevel.Warning, Message = "Mirroring bans to Redis failed; retrying later")]
    public static partial void BanMirrorFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2023, Level = LogLevel.Warning, Message = "User {UserId} was banned (ban {BanId}) but the inbox notice could not be sent: {Status} {Detail}")]
    public static partial void BanNoticeFailed(ILogger logger, long userId, long banId, string status, string detail);
}
