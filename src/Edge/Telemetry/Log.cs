namespace Live.Edge.Telemetry;

internal static partial class Log
{
    [LoggerMessage(EventId = 3000, Level = LogLevel.Information, Message = "Relay stream {Index} connected to {Address}; resubscribing {Rooms} room(s)")]
    public static partial void RelayConnected(ILogger logger, int index, string address, int rooms);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Relay stream {Index} to {Address} broke ({Reason}); reconnecting to {Next} in {DelayMs} ms")]
    public static partial void RelayBroken(ILogger logger, int index, string address, string reason, string next, int delayMs);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "{Connected} of {Streams} relay streams opened within {WaitMs} ms of the start; listening anyway (viewers get 1013 until their room's stream opens)")]
    public static partial void RelayNotOpenAtStart(ILogger logger, int connected, int streams, int waitMs);

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

    [LoggerMessage(EventId = 3041, Level = LogLevel.Error, Message = "Handing a frame of room {RoomId} to connection {ConnectionId} failed; that connection is closed, the others get it as usual")]
    public static partial void FanoutFailed(ILogger logger, long roomId, long connectionId, Exception exception);

    [LoggerMessage(EventId = 3050, Level = LogLevel.Warning, Message = "MarkRead of user {UserId} up to {Seq} failed: {Reason}")]
    public static partial void MarkReadFailed(ILogger logger, long userId, long seq, string reason);

    [LoggerMessage(EventId = 3051, Level = LogLevel.Warning, Message = "Too many users with a MarkRead waiting; the ack of user {UserId} up to {Seq} is dropped (a later ack carries it)")]
    public static partial void ReadMarkDropped(ILogger logger, long userId, long seq);

    [LoggerMessage(EventId = 3052, Level = LogLevel.Warning, Message = "ListInbox for user {UserId} (connection {ConnectionId}) failed: {Reason}; unsent messages follow on the next live message, ack or connection")]
    public static partial void ListInboxFailed(ILogger logger, long userId, long connectionId, string reason);
}
