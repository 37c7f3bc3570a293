using Microsoft.Extensions.Logging;

namespace Live.Gifts.Telemetry;

internal static partial class Log
{
    [LoggerMessage(EventId = 6000, Level = LogLevel.Warning, Message = "Gift {IdempotencyKey} to room {RoomId} is committed but announcing it failed")]
    public static partial void AnnounceFailed(ILogger logger, string idempotencyKey, long roomId, Exception exception);
}
