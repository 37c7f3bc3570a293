using StackExchange.Redis;

namespace Live.MessageService.Inbox;

/// <summary>
/// The Redis pub/sub channel on which a stored message for one user is announced: its payload is the
/// <see cref="Live.V1.InboxMessage"/> in protobuf bytes, published once the message is durable. Whichever
/// MessageService holds a relay stream from an Edge where the user is connected subscribes to it (docs/inbox.md).
/// The user id is a hash tag so the channel lives with the user's inbox keys in a cluster.
/// </summary>
public static class InboxChannel
{
    public static RedisChannel Of(long userId) => RedisChannel.Literal(Name(userId));

    public static string Name(long userId) => $"user:{{{userId}}}:inbox";
}
