namespace Live.RoomService.Telemetry;

internal static partial class Log
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Warning, Message = "Room cache unavailable while {Operation} room {RoomId}; serving from the database")]
    public static partial void CacheUnavailable(ILogger logger, string operation, long roomId, Exception exception);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "Viewer store unavailable while {Operation} room {RoomId}")]
    public static partial void ViewerStoreUnavailable(ILogger logger, string operation, long roomId, Exception exception);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Room {RoomId} {Transition} (version {Version})")]
    public static partial void RoomTransition(ILogger logger, long roomId, string transition, long version);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Warning, Message = "Publishing {Count} room event(s) failed (attempt {Attempt}); retrying in {DelayMs} ms: {Reason}")]
    public static partial void OutboxPublishFailed(ILogger logger, int count, int attempt, int delayMs, string reason);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Warning, Message = "Room outbox relay failed; retrying in {DelayMs} ms")]
    public static partial void OutboxRelayError(ILogger logger, int delayMs, Exception exception);
}
