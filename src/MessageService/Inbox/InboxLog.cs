namespace Live.MessageService.Inbox;

internal static partial class InboxLog
{
    [LoggerMessage(EventId = 7400, Level = LogLevel.Warning, Message = "Inbox send to {Recipients} recipient(s) lost a lock race (attempt {Attempt}, {Error}); retrying")]
    public static partial void SendRetried(ILogger logger, int recipients, int attempt, string error);

    [LoggerMessage(EventId = 7401, Level = LogLevel.Warning, Message = "Inbox message {Seq} of user {UserId} is stored but its publish failed ({Reason}); it is delivered from ListInbox on the next connect")]
    public static partial void PublishFailed(ILogger logger, long userId, long seq, string reason);

    [LoggerMessage(EventId = 7402, Level = LogLevel.Information, Message = "Inbox retention sweep deleted {Deleted} message(s) older than {Days} day(s)")]
    public static partial void Swept(ILogger logger, long deleted, int days);

    [LoggerMessage(EventId = 7403, Level = LogLevel.Warning, Message = "Inbox retention sweep failed: {Reason}")]
    public static partial void SweepFailed(ILogger logger, string reason);
}
