namespace Live.Edge.Telemetry;

internal static partial class Log
{
    [LoggerMessage(EventId = 3000, Level = LogLevel.Information, Message = "Relay stream {Index} connected to {Address}; resubscribing {Rooms} room(s)")]
    public static partial void RelayConnected(ILogger logger, int index, string address, int rooms);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Relay stream {Index} broke ({Reason}); reconnecting in {DelayMs} ms")]
    public static partial void RelayBroken(ILogger logger, int index, string reason, int delayMs);

    [LoggerMessage(EventId = 3010, Level = LogLevel.Warning, Message = "Viewer changes could not be sent to RoomService ({Count} waiting): {Reason}")]
    public static partial void ViewerChangesFailed(ILogger logger, int count, string reason);

    [LoggerMessage(EventId = 3020, Level = LogLevel.Information, Message = "Connection {ConnectionId} (user {UserId}, room {RoomId}) closed: {Code} {Reason}")]
    public static partial void ConnectionClosed(ILogger logger, long connectionId, long userId, long roomId, int code, string reason);

    [LoggerMessage(EventId = 3021, Level = LogLevel.Warning, Message = "History for resume of room {RoomId} could not be read: {Reason}")]
    public static partial void HistoryUnavailable(ILogger logger, long roomId, string reason);

    [LoggerMessage(EventId = 3030, Level = LogLevel.Warning, Message = "RoomPass:Key is not set: signed-in viewers get no room passes, so they cannot buy in flash sales")]
    public static partial void RoomPassesDisabled(ILogger logger);

    [LoggerMessage(EventId = 3040, Level = LogLevel.Error, Message = "Sweeping connection {ConnectionId} failed; the other connections are swept as usual")]
    public static partial void SweepFailed(ILogger logger, long connectionId, Exception exception);
}
