using Confluent.Kafka;

namespace Live.StatsService.Telemetry;

internal static partial class Log
{
    [LoggerMessage(EventId = 4000, Level = LogLevel.Information, Message = "Stats consumer in group {Group} subscribed to {Topics}")]
    public static partial void ConsumerStarted(ILogger logger, string group, string topics);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Partitions assigned: {Partitions}")]
    public static partial void PartitionsAssigned(ILogger logger, string partitions);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "Partitions revoked: {Partitions}")]
    public static partial void PartitionsRevoked(ILogger logger, string partitions);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Warning, Message = "Applying a batch of {Count} record(s) failed; it is read again in {DelayMs} ms")]
    public static partial void ApplyFailed(ILogger logger, int count, int delayMs, Exception exception);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Warning, Message = "Committing offsets failed (the records will be read again and skipped): {Reason}")]
    public static partial void CommitFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Warning, Message = "Skipped a record at {Topic}[{Partition}]@{Offset} that is not the topic's message type")]
    public static partial void Undecodable(ILogger logger, string topic, int partition, long offset);

    [LoggerMessage(EventId = 4006, Level = LogLevel.Debug, Message = "librdkafka {Facility}: {Text}")]
    public static partial void Librdkafka(ILogger logger, string facility, string text);

    [LoggerMessage(EventId = 4007, Level = LogLevel.Warning, Message = "Kafka consumer error {Code}: {Reason}")]
    public static partial void ConsumerError(ILogger logger, ErrorCode code, string reason);

    [LoggerMessage(EventId = 4010, Level = LogLevel.Warning, Message = "Viewer sampling failed; retrying next round")]
    public static partial void ViewerSamplingFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4011, Level = LogLevel.Warning, Message = "Heat ranking failed; retrying next round")]
    public static partial void HeatRankingFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4012, Level = LogLevel.Warning, Message = "Stats maintenance failed; retrying next round")]
    public static partial void MaintenanceFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4013, Level = LogLevel.Warning, Message = "Room stats feed could not read {Count} room(s); watchers keep their last value")]
    public static partial void FeedReadFailed(ILogger logger, int count, Exception exception);

    [LoggerMessage(EventId = 4020, Level = LogLevel.Warning, Message = "Went-live notices of room {RoomId}: a page of {Followers} follower(s) failed (attempt {Attempt}, {Status}); sending it again in {DelayMs} ms")]
    public static partial void WentLivePageFailed(ILogger logger, long roomId, int followers, int attempt, string status, int delayMs);

    [LoggerMessage(EventId = 4021, Level = LogLevel.Information, Message = "Went-live notices of room {RoomId} (event {EventId}): {Stored} follower(s) notified")]
    public static partial void WentLiveDone(ILogger logger, long roomId, string eventId, long stored);

    [LoggerMessage(EventId = 4022, Level = LogLevel.Warning, Message = "Went-live notices of room {RoomId} (event {EventId}) failed; the event is read again in {DelayMs} ms")]
    public static partial void WentLiveFailed(ILogger logger, long roomId, string eventId, int delayMs, Exception exception);

    [LoggerMessage(EventId = 4023, Level = LogLevel.Error, Message = "Went-live notices of room {RoomId} (event {EventId}) were refused and are skipped: {Status}: {Detail}")]
    public static partial void WentLiveRefused(ILogger logger, long roomId, string eventId, string status, string detail);

}
