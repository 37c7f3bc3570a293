using Google.Protobuf;
using Live.V1;
using StackExchange.Redis;

namespace Live.MessageService.Inbox;

/// <summary>
/// Announces stored messages on their users' channels (<see cref="InboxChannel"/>), all publishes of one send
/// pipelined. Called only after the commit; a publish that fails loses the live push, not the message, which
/// the user gets from ListInbox on the next connect (ADR 0012).
/// </summary>
public sealed class InboxPublisher(IConnectionMultiplexer redis, InboxMetrics metrics, ILogger<InboxPublisher> logger)
{
    public async Task PublishAsync(IReadOnlyList<InboxMessage> messages)
    {
        var subscriber = redis.GetSubscriber();
        var publishes = new Task<long>[messages.Count];
        for (var i = 0; i < messages.Count; i++)
        {
            publishes[i] = subscriber.PublishAsync(InboxChannel.Of(messages[i].UserId), messages[i].ToByteArray());
        }

        for (var i = 0; i < publishes.Length; i++)
        {
            try
            {
                await publishes[i];
                metrics.Published(true);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                metrics.Published(false);
                InboxLog.PublishFailed(logger, messages[i].UserId, messages[i].Seq, ex.Message);
            }
        }
    }
}
