namespace Live.MessageService.Telemetry;

internal static partial class Log
{
    [LoggerMessage(EventId = 7000, Level = LogLevel.Information, Message = "Edge relay stream {StreamId} opened from {Peer}")]
    public static partial void EdgeStreamOpened(ILogger logger, long streamId, string peer);

    [LoggerMessage(EventId = 7001, Level = LogLevel.Information, Message = "Edge relay stream {StreamId} closed ({Rooms} room(s) released)")]
    public static partial void EdgeStreamClosed(ILogger logger, long streamId, int rooms);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Warning, Message = "Edge relay stream {StreamId} fell {Capacity} items behind and is closed; the Edge reconnects and resubscribes")]
    public static partial void EdgeStreamOverflowed(ILogger logger, long streamId, int capacity);

    [LoggerMessage(EventId = 7010, Level = LogLevel.Warning, Message = "Kafka delivery to {Topic} failed ({Reason}); {Queued} record(s) waiting, retrying in {DelayMs} ms")]
    public static partial void KafkaDeliveryFailed(ILogger logger, string topic, string reason, long queued, int delayMs);

    [LoggerMessage(EventId = 7011, Level = LogLevel.Error, Message = "Kafka queue full: dropped the oldest record of room {RoomId} seq {Seq} ({Dropped} dropped so far)")]
    public static partial void KafkaRecordDropped(ILogger logger, string roomId, long seq, long dropped);

    [LoggerMessage(EventId = 7012, Level = LogLevel.Warning, Message = "Kafka stopping with {Queued} record(s) not yet acknowledged")]
    public static partial void KafkaUnflushed(ILogger logger, long queued);

    [LoggerMessage(EventId = 7020, Level = LogLevel.Warning, Message = "Ingest of a message for room {RoomId} failed: {Reason}")]
    public static partial void IngestUnavailable(ILogger logger, long roomId, string reason);

    [LoggerMessage(EventId = 7030, Level = LogLevel.Warning, Message = "Redis subscription for room {RoomId} failed")]
    public static partial void SubscribeFailed(ILogger logger, long roomId, Exception exception);

    [LoggerMessage(EventId = 7031, Level = LogLevel.Warning, Message = "Dropped a malformed frame from the pub/sub channel of room {RoomId}: {Status}")]
    public static partial void MalformedPublishedFrame(ILogger logger, long roomId, string status);

    [LoggerMessage(EventId = 7032, Level = LogLevel.Information, Message = "Room {RoomId} is in epoch {Epoch} from seq {StartsAfter} on")]
    public static partial void EpochAnnounced(ILogger logger, long roomId, long epoch, long startsAfter);

    [LoggerMessage(EventId = 7033, Level = LogLevel.Warning, Message = "Room {RoomId}: seq {Seq} is not above what this node forwarded in epoch {Epoch}; the stream went backwards, replacing the epoch")]
    public static partial void StreamWentBackwards(ILogger logger, long roomId, long seq, long epoch);

    [LoggerMessage(EventId = 7034, Level = LogLevel.Warning, Message = "Room {RoomId}: the epoch could not be replaced; the room's frames are held and the next one tries again")]
    public static partial void EpochReplaceFailed(ILogger logger, long roomId, Exception exception);

    [LoggerMessage(EventId = 7035, Level = LogLevel.Warning, Message = "The Redis subscription was interrupted: {Rooms} room(s) dropped and {Streams} Edge stream(s) ended, so their clients resume from history")]
    public static partial void SubscriptionInterrupted(ILogger logger, int rooms, int streams);

    [LoggerMessage(EventId = 7036, Level = LogLevel.Warning, Message = "Room {RoomId}: seq {Seq} skipped past the next one; this node missed published frames and treats its subscription as interrupted")]
    public static partial void SubscriptionGap(ILogger logger, long roomId, long seq);

    [LoggerMessage(EventId = 7037, Level = LogLevel.Warning, Message = "Room {RoomId}: the first frame this node took skipped past seq {Seq}, the position read when it subscribed; this node missed published frames and treats its subscription as interrupted")]
    public static partial void SubscriptionGapAtStart(ILogger logger, long roomId, long seq);

    [LoggerMessage(EventId = 7040, Level = LogLevel.Information, Message = "Moderation: {Caller} did {Action} in room {RoomId}: {Detail}")]
    public static partial void ModerationAction(ILogger logger, string caller, string action, long roomId, string detail);

    [LoggerMessage(EventId = 7041, Level = LogLevel.Warning, Message = "Rejection log: {Rooms} room(s) of refusals could not be written: {Reason}")]
    public static partial void RejectionLogFailed(ILogger logger, int rooms, string reason);

    [LoggerMessage(EventId = 7050, Level = LogLevel.Warning, Message = "Gift combo of user {UserId} ({GiftName}) in room {RoomId} was not shown: {Reason} ({Detail})")]
    public static partial void GiftAnnounceFailed(ILogger logger, long roomId, long userId, string giftName, string reason, string detail);

    [LoggerMessage(EventId = 7051, Level = LogLevel.Warning, Message = "Gift sender {UserId}'s display name could not be looked up; the gift is shown without it: {Reason}")]
    public static partial void SenderNameFailed(ILogger logger, long userId, string reason);

    [LoggerMessage(EventId = 7080, Level = LogLevel.Warning, Message = "The inbox channel of user {UserId} could not be subscribed; the user's messages wait for their next connection")]
    public static partial void UserSubscribeFailed(ILogger logger, long userId, Exception exception);

    [LoggerMessage(EventId = 7081, Level = LogLevel.Warning, Message = "Edge relay stream {StreamId} announced more than {Max} users; user {UserId} is not routed")]
    public static partial void TooManyUsers(ILogger logger, long streamId, int max, long userId);

    [LoggerMessage(EventId = 7082, Level = LogLevel.Warning, Message = "A publication on the inbox channel of user {UserId} is not an InboxMessage for that user; dropped")]
    public static partial void BadInboxPublication(ILogger logger, long userId);

    [LoggerMessage(EventId = 7090, Level = LogLevel.Warning, Message = "This node's heartbeat or Kafka delivery marks could not be written: {Reason}")]
    public static partial void NodeLeaseUnavailable(ILogger logger, string reason);

    [LoggerMessage(EventId = 7091, Level = LogLevel.Warning, Message = "MessageService node {Node} is gone: {Unacknowledged} of its messages had no Kafka acknowledgement on record; {HandedOver} were not in the topic and were produced now")]
    public static partial void NodeRecovered(ILogger logger, string node, int unacknowledged, int handedOver);

    [LoggerMessage(EventId = 7092, Level = LogLevel.Error, Message = "MessageService node {Node} is gone and {Count} of its messages had left the rooms' history before they could be handed to Kafka")]
    public static partial void NodeRecoveryTrimmed(ILogger logger, string node, long count);

    [LoggerMessage(EventId = 7093, Level = LogLevel.Warning, Message = "The records of MessageService node {Node} could not be handed to Kafka yet; the next scan tries again: {Reason}")]
    public static partial void NodeRecoveryFailed(ILogger logger, string node, string reason);
}
