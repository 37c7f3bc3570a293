namespace Live.RoomService.Telemetry;

internal static partial class Log
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Warning, Message = "Room cache unavailable while {Operation} room {RoomId}; serving from the database")]
    public static partial void CacheUnavailable(ILogger logger, string operation, long roomId, Exception exception);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "Viewer store unavailable while {Operation} room {RoomId}")]
    public static partial void ViewerStoreUnavailable(ILogger logger, string operation, long roomId, Exception exception);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Room {RoomId} {Transition} (version {Version})")]
    public static partial void RoomTransition(ILogger logger, long roomId, string transition, long version);
}
