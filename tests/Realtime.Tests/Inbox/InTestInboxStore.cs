using Google.Protobuf;
using Grpc.Core;
using Live.MessageService;
using Live.MessageService.Inbox;
using Live.Testing;
using Live.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Live.Realtime.Tests.Inbox;

/// <summary>
/// Stands in for the inbox store (issue 11's other half, not on main yet) in the delivery tests, doing exactly
/// what its contract says: a message is kept, numbered in the user's own seq, then its InboxMessage bytes are
/// PUBLISHed on <see cref="InboxChannel.Of"/>; ListInbox returns seq &gt; after_seq oldest first with read_seq;
/// MarkRead is cumulative. Held in memory, shared by the cluster's MessageServices, published on the real Redis.
/// When the real InboxService lands, <see cref="BuildMessageService"/> is the one place to drop (use
/// MessageServiceApp.Build) and <see cref="SendAsync"/> becomes its SendToUser.
/// </summary>
public sealed class InTestInboxStore : IAsyncDisposable
{
    private readonly Dictionary<long, UserInbox> inboxes = [];
    private readonly Lock gate = new();
    private readonly ConnectionMultiplexer redis;

    private InTestInboxStore(ConnectionMultiplexer redis) => this.redis = redis;

    public static async Task<InTestInboxStore> ConnectAsync() => new(await ConnectionMultiplexer.ConnectAsync(TestEnvironment.Redis));

    /// <summary>A MessageService host serving this store's InboxService (ListInbox, MarkRead).</summary>
    public WebApplication BuildMessageService(string[] args, Action<WebApplicationBuilder> configure)
    {
        var app = MessageServiceApp.Build(args, builder =>
        {
            configure(builder);
            builder.Services.AddSingleton(this);
        });
        app.MapGrpcService<InTestInboxService>();
        return app;
    }

    /// <summary>Stores a message for the user, then publishes it (the store's side of the delivery contract).</summary>
    public async Task<InboxMessage> SendAsync(long userId, string content, InboxKind kind = InboxKind.System, long roomId = 0, long durationSeconds = 0)
    {
        var message = Store(userId, content, kind, roomId, durationSeconds);
        await redis.GetSubscriber().PublishAsync(InboxChannel.Of(userId), message.ToByteArray());
        return message;
    }

    /// <summary>Stores a burst of messages, then publishes them all at once (pipelined), as a busy store would.</summary>
    public Task SendBurstAsync(long userId, IEnumerable<string> contents)
    {
        var stored = contents.Select(content => Store(userId, content, InboxKind.System, 0, 0)).ToList();
        var subscriber = redis.GetSubscriber();
        return Task.WhenAll(stored.Select(message => subscriber.PublishAsync(InboxChannel.Of(userId), message.ToByteArray())));
    }

    private InboxMessage Store(long userId, string content, InboxKind kind, long roomId, long durationSeconds)
    {
        lock (gate)
        {
            var inbox = InboxOf(userId);
            var message = new InboxMessage
            {
                UserId = userId,
                Seq = inbox.Messages.Count + 1,
                Kind = kind,
                Content = content,
                RoomId = roomId,
                DurationSeconds = durationSeconds,
                CreatedMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            };
            inbox.Messages.Add(message);
            return message;
        }
    }

    public long ReadSeqOf(long userId)
    {
        lock (gate)
        {
            return InboxOf(userId).ReadSeq;
        }
    }

    public ListInboxResponse List(ListInboxRequest request)
    {
        lock (gate)
        {
            var inbox = InboxOf(request.UserId);
            var response = new ListInboxResponse
            {
                LatestSeq = inbox.Messages.Count,
                ReadSeq = inbox.ReadSeq,
                Unread = inbox.Messages.Count - inbox.ReadSeq,
            };
            response.Messages.AddRange(inbox.Messages.Where(m => m.Seq > request.AfterSeq).Take(request.Limit == 0 ? 50 : request.Limit));
            return response;
        }
    }

    public MarkReadResponse MarkRead(MarkReadRequest request)
    {
        lock (gate)
        {
            var inbox = InboxOf(request.UserId);
            inbox.ReadSeq = Math.Max(inbox.ReadSeq, Math.Min(request.Seq, inbox.Messages.Count));
            return new MarkReadResponse { ReadSeq = inbox.ReadSeq, Unread = inbox.Messages.Count - inbox.ReadSeq };
        }
    }

    public async ValueTask DisposeAsync() => await redis.DisposeAsync();

    private UserInbox InboxOf(long userId)
    {
        if (!inboxes.TryGetValue(userId, out var inbox))
        {
            inboxes[userId] = inbox = new UserInbox();
        }

        return inbox;
    }

    private sealed class UserInbox
    {
        public List<InboxMessage> Messages { get; } = [];

        public long ReadSeq { get; set; }
    }
}

/// <summary>The gRPC face of <see cref="InTestInboxStore"/>: only what the Edge calls.</summary>
public sealed class InTestInboxService(InTestInboxStore store) : InboxService.InboxServiceBase
{
    public override Task<ListInboxResponse> ListInbox(ListInboxRequest request, ServerCallContext context) => Task.FromResult(store.List(request));

    public override Task<MarkReadResponse> MarkRead(MarkReadRequest request, ServerCallContext context) => Task.FromResult(store.MarkRead(request));
}
