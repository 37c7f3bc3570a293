using Live.V1;

namespace Live.Realtime.Tests.Inbox;

/// <summary>
/// Sends to one user through the real InboxService of a MessageService, as a service does (SendToUsers: stored,
/// numbered in the user's own seq, then published on the user's channel), and reads the user's inbox back.
/// SendToUsers rather than SendToUser: the test's users are ids only, and only SendToUser asks UserService
/// whether the recipient exists.
/// </summary>
public sealed class InboxSender(InboxService.InboxServiceClient inbox)
{
    /// <summary>Sends one message and returns it as stored (sends are sequential, so it is the user's latest).</summary>
    public async Task<InboxMessage> SendAsync(long userId, string content)
    {
        await SendOneAsync(userId, content);
        var listed = await inbox.ListInboxAsync(new ListInboxRequest { UserId = userId, AfterSeq = 0, Limit = 200 });
        return listed.Messages.Single(m => m.Seq == listed.LatestSeq);
    }

    /// <summary>Sends a burst all at once: numbered in commit order, published as each commits (maybe out of order).</summary>
    public Task SendBurstAsync(long userId, IEnumerable<string> contents) =>
        Task.WhenAll(contents.Select(content => SendOneAsync(userId, content)));

    public async Task<long> ReadSeqOfAsync(long userId) =>
        (await inbox.ListInboxAsync(new ListInboxRequest { UserId = userId, Limit = 1 })).ReadSeq;

    private async Task SendOneAsync(long userId, string content)
    {
        var sent = await inbox.SendToUsersAsync(new SendToUsersRequest
        {
            UserIds = { userId }, Kind = InboxKind.System, Content = content, IdempotencyKey = Guid.NewGuid().ToString("N"),
        });
        Assert.Equal(1, sent.Stored);
    }
}
