using Grpc.Core;
using Live.MessageService.Inbox;
using Live.Testing;
using Live.V1;
using StackExchange.Redis;

namespace Live.Inbox.Tests;

[Collection(InboxCollection.Name)]
public sealed class InboxStoreTests(InboxEnvironment env)
{
    [Fact]
    public async Task A_sent_message_is_listed_in_order_and_mark_read_is_cumulative_and_never_goes_back()
    {
        var (user, _) = await env.RegisterAsync("list");
        for (var i = 1; i <= 3; i++)
        {
            var sent = await env.Inbox().SendToUserAsync(System(user, $"notice {i}", $"list-{i}"));
            Assert.Equal(i, sent.Seq);
            Assert.False(sent.Duplicate);
        }

        var list = await env.Inbox(1).ListInboxAsync(new ListInboxRequest { UserId = user });
        Assert.Equal(["notice 1", "notice 2", "notice 3"], list.Messages.Select(m => m.Content));
        Assert.Equal([1L, 2L, 3L], list.Messages.Select(m => m.Seq));
        Assert.All(list.Messages, m => Assert.Equal(InboxKind.System, m.Kind));
        Assert.Equal(3, list.LatestSeq);
        Assert.Equal(3, list.Unread);

        var after = await env.Inbox().ListInboxAsync(new ListInboxRequest { UserId = user, AfterSeq = 2 });
        Assert.Equal([3L], after.Messages.Select(m => m.Seq));

        var read = await env.Inbox().MarkReadAsync(new MarkReadRequest { UserId = user, Seq = 2 });
        Assert.Equal((2L, 1L), (read.ReadSeq, read.Unread));
        var back = await env.Inbox(1).MarkReadAsync(new MarkReadRequest { UserId = user, Seq = 1 });
        Assert.Equal((2L, 1L), (back.ReadSeq, back.Unread));

        var beyond = await Assert.ThrowsAsync<RpcException>(() => env.Inbox().MarkReadAsync(new MarkReadRequest { UserId = user, Seq = 4 }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, beyond.StatusCode);
        Assert.Contains("above", beyond.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_retried_send_returns_the_first_seq_from_either_node_and_stores_nothing_new()
    {
        var (user, _) = await env.RegisterAsync("retry");
        var first = await env.Inbox().SendToUserAsync(System(user, "refund of order 812", "refund:order-812"));
        var again = await env.Inbox(1).SendToUserAsync(System(user, "refund of order 812", "refund:order-812"));

        Assert.Equal((first.Seq, first.CreatedMs), (again.Seq, again.CreatedMs));
        Assert.True(again.Duplicate);
        Assert.Single((await env.Inbox().ListInboxAsync(new ListInboxRequest { UserId = user })).Messages);
    }

    [Fact]
    public async Task Concurrent_senders_on_two_nodes_get_distinct_gapless_seqs()
    {
        var (user, _) = await env.RegisterAsync("race");
        // Fewer than the cap: the key guards a message while it is kept (docs/inbox.md).
        const int perNode = 40;
        var sends = Enumerable.Range(0, 2 * perNode)
            .Select(i => env.Inbox(i % 2).SendToUserAsync(System(user, $"message {i}", $"race-{i}")).ResponseAsync)
            .ToList();
        // The same key from both nodes at once: one message, one seq for both.
        var twinA = env.Inbox(0).SendToUserAsync(System(user, "twin", "race-twin")).ResponseAsync;
        var twinB = env.Inbox(1).SendToUserAsync(System(user, "twin", "race-twin")).ResponseAsync;
        var seqs = (await Task.WhenAll(sends)).Select(r => r.Seq).ToList();
        var twins = await Task.WhenAll(twinA, twinB);

        Assert.Equal(twins[0].Seq, twins[1].Seq);
        Assert.Single(twins, t => t.Duplicate);
        Assert.Equal(Enumerable.Range(1, 2 * perNode + 1).Select(i => (long)i), seqs.Append(twins[0].Seq).Order());
        Assert.Equal(2 * perNode + 1, (await env.Inbox().ListInboxAsync(new ListInboxRequest { UserId = user })).LatestSeq);
    }

    [Fact]
    public async Task An_inbox_over_its_cap_keeps_the_newest_and_reports_the_dropped_count()
    {
        var (user, _) = await env.RegisterAsync("cap");
        const int sent = InboxEnvironment.MaxPerUser + 5;
        for (var i = 1; i <= sent; i++)
        {
            await env.Inbox(i % 2).SendToUserAsync(System(user, $"message {i}", $"cap-{i}"));
        }

        var list = await env.Inbox().ListInboxAsync(new ListInboxRequest { UserId = user, Limit = InboxEnvironment.MaxPerUser });
        Assert.Equal(Enumerable.Range(6, InboxEnvironment.MaxPerUser).Select(i => (long)i), list.Messages.Select(m => m.Seq));
        Assert.Equal((5L, (long)sent, (long)InboxEnvironment.MaxPerUser), (list.Dropped, list.LatestSeq, list.Unread));
        Assert.Equal(InboxEnvironment.MaxPerUser, await env.QueryAsync($"SELECT COUNT(*) FROM inbox_messages WHERE user_id = {user}"));
    }

    [Fact]
    public async Task A_subscriber_of_the_users_channel_gets_the_stored_message_as_protobuf()
    {
        var (user, _) = await env.RegisterAsync("pub");
        await using var redis = await ConnectionMultiplexer.ConnectAsync(TestEnvironment.Redis);
        var received = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        await redis.GetSubscriber().SubscribeAsync(InboxChannel.Of(user), (_, value) => received.TrySetResult((byte[])value!));

        var sent = await env.Inbox(1).SendToUserAsync(new SendToUserRequest
        {
            UserId = user, Kind = InboxKind.Moderation, Content = "a moderator deleted your message", RoomId = 77, DurationSeconds = 0, IdempotencyKey = "pub-1",
        });
        var published = InboxMessage.Parser.ParseFrom(await received.Task.WaitAsync(TimeSpan.FromSeconds(10)));

        var stored = (await env.Inbox().ListInboxAsync(new ListInboxRequest { UserId = user })).Messages.Single();
        Assert.Equal(stored, published);
        Assert.Equal((user, sent.Seq, 77L), (published.UserId, published.Seq, published.RoomId));
    }

    [Fact]
    public async Task A_user_reads_only_their_own_inbox_and_bad_requests_say_which_field()
    {
        var (alice, aliceName) = await env.RegisterAsync("own");
        var (bob, _) = await env.RegisterAsync("other");
        await env.Inbox().SendToUserAsync(System(alice, "hello", "own-1"));

        var mine = await env.Inbox().ListInboxAsync(new ListInboxRequest(), InboxEnvironment.AsUser("ListInbox", alice, aliceName));
        Assert.Single(mine.Messages);

        var theirs = await Assert.ThrowsAsync<RpcException>(() => env.Inbox().ListInboxAsync(
            new ListInboxRequest { UserId = bob }, InboxEnvironment.AsUser("ListInbox", alice, aliceName)).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, theirs.StatusCode);

        var noKey = await Assert.ThrowsAsync<RpcException>(() => env.Inbox().SendToUserAsync(System(alice, "x", string.Empty)).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, noKey.StatusCode);
        Assert.Contains("idempotency_key", noKey.Status.Detail, StringComparison.Ordinal);

        var nobody = await Assert.ThrowsAsync<RpcException>(() => env.Inbox().SendToUserAsync(System(alice + 999_999, "x", "nobody")).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, nobody.StatusCode);
        Assert.Equal("user_not_found", nobody.Trailers.GetValue("live-reason"));

        var tooMany = new SendToUsersRequest { Kind = InboxKind.System, Content = "x", IdempotencyKey = "many" };
        tooMany.UserIds.AddRange(Enumerable.Range(1, 1_001).Select(i => (long)i));
        var refused = await Assert.ThrowsAsync<RpcException>(() => env.Inbox().SendToUsersAsync(tooMany).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
    }

    private static SendToUserRequest System(long user, string content, string key) =>
        new() { UserId = user, Kind = InboxKind.System, Content = content, IdempotencyKey = key };
}
