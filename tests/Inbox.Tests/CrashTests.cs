using Grpc.Core;
using Grpc.Net.Client;
using Live.Testing;
using Live.V1;

namespace Live.Inbox.Tests;

/// <summary>
/// Durable before acknowledged (ADR 0012): a MessageService killed with SIGKILL while sends to one user are in
/// flight loses none it had answered; what it had not answered may or may not be kept, and the user's seqs stay
/// gapless either way.
/// </summary>
[Collection(InboxCollection.Name)]
public sealed class CrashTests(InboxEnvironment env)
{
    [Fact]
    public async Task A_kill_9_of_the_node_that_accepted_messages_loses_none_it_acknowledged_and_leaves_no_gap()
    {
        var user = Random.Shared.NextInt64(5_000_000_000, 9_000_000_000);
        await using var node = ServiceProcess.Start("MessageService", "Live.MessageService", env.MessageServiceSettings);
        await node.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
        using var channel = GrpcChannel.ForAddress(node.GrpcAddress);
        var inbox = new InboxService.InboxServiceClient(channel);

        // 60 senders at once, killed once 20 were answered: some in flight die with it.
        var acknowledged = new System.Collections.Concurrent.ConcurrentBag<string>();
        var twenty = new TaskCompletionSource();
        var sends = Enumerable.Range(1, 60).Select(async i =>
        {
            var content = $"crash {i}";
            try
            {
                await inbox.SendToUsersAsync(new SendToUsersRequest
                {
                    UserIds = { user }, Kind = InboxKind.System, Content = content, IdempotencyKey = $"crash-{user}-{i}",
                }, deadline: DateTime.UtcNow.AddSeconds(20));
                acknowledged.Add(content);
                if (acknowledged.Count >= 20)
                {
                    twenty.TrySetResult();
                }
            }
            catch (RpcException)
            {
                // Cut off by the kill: not acknowledged, so nothing is promised about it.
            }
        }).ToList();
        await twenty.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await node.KillAsync();
        await Task.WhenAll(sends);

        var kept = await env.Inbox().ListInboxAsync(new ListInboxRequest { UserId = user, Limit = 200 });
        var contents = kept.Messages.Select(m => m.Content).ToHashSet();
        Assert.All(acknowledged, content => Assert.Contains(content, contents));
        Assert.Equal(Enumerable.Range(1, kept.Messages.Count).Select(i => (long)i), kept.Messages.Select(m => m.Seq));
        Assert.InRange(acknowledged.Count, 20, 60);
    }
}
