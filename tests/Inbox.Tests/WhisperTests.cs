using Grpc.Core;
using Live.Moderation.Words;
using Live.V1;
using Microsoft.Extensions.DependencyInjection;

namespace Live.Inbox.Tests;

[Collection(InboxCollection.Name)]
public sealed class WhisperTests(InboxEnvironment env)
{
    [Fact]
    public async Task A_user_whispers_as_themself_with_the_name_of_their_token()
    {
        var (alice, aliceName) = await env.RegisterAsync("whisperer");
        var (bob, _) = await env.RegisterAsync("listener");

        var sent = await Whisper(alice, aliceName, bob, "psst", "w-1", fromUserId: 0);
        var message = (await env.Inbox(1).ListInboxAsync(new ListInboxRequest { UserId = bob })).Messages.Single();

        Assert.Equal(1, sent.Seq);
        Assert.Equal((InboxKind.Whisper, alice, aliceName, "psst"), (message.Kind, message.FromUserId, message.FromUserName, message.Content));

        var asSomeoneElse = await Assert.ThrowsAsync<RpcException>(() => Whisper(alice, aliceName, bob, "psst", "w-2", fromUserId: bob));
        Assert.Equal(StatusCode.PermissionDenied, asSomeoneElse.StatusCode);
        var system = await Assert.ThrowsAsync<RpcException>(() => env.Inbox().SendToUserAsync(
            new SendToUserRequest { UserId = bob, Kind = InboxKind.System, Content = "official", IdempotencyKey = "w-3" },
            InboxEnvironment.AsUser("SendToUser", alice, aliceName)).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, system.StatusCode);
    }

    [Fact]
    public async Task A_whisper_to_a_user_who_does_not_accept_whispers_is_refused()
    {
        var (alice, aliceName) = await env.RegisterAsync("knock");
        var (bob, bobName) = await env.RegisterAsync("closed");
        var settings = await env.Inbox().SetInboxSettingsAsync(new SetInboxSettingsRequest { AcceptWhispers = false }, InboxEnvironment.AsUser("SetInboxSettings", bob, bobName));
        Assert.Equal((bob, false), (settings.UserId, settings.AcceptWhispers));

        var refused = await Assert.ThrowsAsync<RpcException>(() => Whisper(alice, aliceName, bob, "hello?", "closed-1"));

        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        Assert.Equal("whispers_off", refused.Trailers.GetValue("live-reason"));
        Assert.Equal(0, (await env.Inbox().ListInboxAsync(new ListInboxRequest { UserId = bob })).LatestSeq);
        // A service's notice still arrives: the setting is about users, not the platform.
        await env.Inbox().SendToUserAsync(new SendToUserRequest { UserId = bob, Kind = InboxKind.System, Content = "welcome", IdempotencyKey = "closed-2" });
        Assert.False((await env.Inbox(1).GetInboxSettingsAsync(new GetInboxSettingsRequest { UserId = bob })).AcceptWhispers);
    }

    [Fact]
    public async Task A_whisper_with_a_blocked_word_is_refused_like_danmaku()
    {
        var (alice, aliceName) = await env.RegisterAsync("rude");
        var (bob, _) = await env.RegisterAsync("target");
        var word = "zorkblat" + Guid.NewGuid().ToString("N")[..6];
        await new ModerationAdmin.ModerationAdminClient(env.MessageServices[0].Channel)
            .AddWordAsync(new AddWordRequest { Word = word, Action = Live.V1.WordAction.Block });
        foreach (var node in env.MessageServices)
        {
            var filter = node.Services.GetRequiredService<WordFilter>();
            await InboxEnvironment.WaitAsync(() => filter.Scan(0, word).Verdict == WordVerdict.Blocked, "the word list did not reach every node");
        }

        var refused = await Assert.ThrowsAsync<RpcException>(() => Whisper(alice, aliceName, bob, $"you {word}", "rude-1"));

        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        Assert.Equal("blocked_word", refused.Trailers.GetValue("live-reason"));
        Assert.Equal(0, (await env.Inbox().ListInboxAsync(new ListInboxRequest { UserId = bob })).LatestSeq);
    }

    [Fact]
    public async Task Whispers_over_the_senders_rate_are_refused_with_when_to_retry()
    {
        var (alice, aliceName) = await env.RegisterAsync("chatty");
        var (bob, _) = await env.RegisterAsync("patient");

        // Up to twice the limit: a send that crosses into the next minute's window starts it afresh.
        RpcException? refused = null;
        var accepted = 0;
        for (var i = 0; i < 2 * InboxEnvironment.WhispersPerMinute + 1 && refused is null; i++)
        {
            try
            {
                await Whisper(alice, aliceName, bob, $"hi {i}", $"chatty-{i}", node: i % 2);
                accepted++;
            }
            catch (RpcException ex)
            {
                refused = ex;
            }
        }

        Assert.NotNull(refused);
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Equal("rate_limited", refused.Trailers.GetValue("live-reason"));
        Assert.InRange(long.Parse(refused.Trailers.GetValue("retry-after-ms")!, System.Globalization.CultureInfo.InvariantCulture), 1, 60_000);
        Assert.InRange(accepted, InboxEnvironment.WhispersPerMinute, 2 * InboxEnvironment.WhispersPerMinute);
    }

    private async Task<SendToUserResponse> Whisper(long from, string name, long to, string content, string key, long? fromUserId = null, int node = 0) =>
        await env.Inbox(node).SendToUserAsync(
            new SendToUserRequest { UserId = to, Kind = InboxKind.Whisper, FromUserId = fromUserId ?? from, Content = content, IdempotencyKey = key },
            InboxEnvironment.AsUser("SendToUser", from, name));
}
