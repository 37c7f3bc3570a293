using Microsoft.Extensions.Logging;

namespace Live.Moderation.Telemetry;

internal static partial class Log
{
    [LoggerMessage(EventId = 5000, Level = LogLevel.Warning, Message = "Moderation state in Redis is unavailable; messages are refused with 'unavailable' until it is back")]
    public static partial void RedisUnavailable(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 5010, Level = LogLevel.Information, Message = "Word lists loaded ({Scope}): {GlobalWords} global words, {Rooms} rooms with their own words, in {ElapsedMs:F1} ms")]
    public static partial void WordListsLoaded(ILogger logger, string scope, int globalWords, int rooms, double elapsedMs);

    [LoggerMessage(EventId = 5011, Level = LogLevel.Warning, Message = "Loading word lists ({Scope}) failed; retrying in {DelayMs} ms")]
    public static partial void WordListLoadFailed(ILogger logger, string scope, int delayMs, Exception exception);

    [LoggerMessage(EventId = 5012, Level = LogLevel.Warning, Message = "The {List} word list is over its bound of {Bound}; the rest is not loaded")]
    public static partial void WordListTruncated(ILogger logger, string list, int bound);

    [LoggerMessage(EventId = 5013, Level = LogLevel.Warning, Message = "Word-list change ({List}) is stored but could not be announced; nodes pick it up at their next full reload")]
    public static partial void WordChangeNotAnnounced(ILogger logger, string list, Exception exception);

    [LoggerMessage(EventId = 5014, Level = LogLevel.Warning, Message = "Unreadable word-list notification '{Message}'; reloading everything")]
    public static partial void UnreadableNotification(ILogger logger, string? message);

    [LoggerMessage(EventId = 5020, Level = LogLevel.Information, Message = "Moved {Count} timeouts in force from their keys of before into the users' moderation state")]
    public static partial void LegacyTimeoutsMoved(ILogger logger, int count);

    [LoggerMessage(EventId = 5021, Level = LogLevel.Warning, Message = "Could not move timeouts from their keys of before; those not moved are not enforced and expire by themselves")]
    public static partial void LegacyTimeoutsNotMoved(ILogger logger, Exception exception);
}
