using System.Globalization;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Live.Moderation.Words;

/// <summary>
/// Announces word-list changes on a Redis pub/sub channel. A message names the list that changed:
/// "global" or "room:{id}"; anything else asks for a full reload.
/// </summary>
public sealed class WordListNotifier(IConnectionMultiplexer redis, IOptions<ModerationOptions> options)
{
    public const string GlobalMessage = "global";
    private const string RoomPrefix = "room:";

    private readonly RedisChannel channel = RedisChannel.Literal(options.Value.WordsChannel);

    public Task PublishAsync(long? roomId) =>
        redis.GetSubscriber().PublishAsync(channel, roomId is { } room ? RoomPrefix + room.ToString(CultureInfo.InvariantCulture) : GlobalMessage);

    /// <summary>The list a message names: (false, null) for global, (false, id) for a room, (true, null) when unreadable.</summary>
    public static (bool Unreadable, long? RoomId) Parse(string? message)
    {
        if (message == GlobalMessage)
        {
            return (false, null);
        }

        if (message is not null && message.StartsWith(RoomPrefix, StringComparison.Ordinal)
            && long.TryParse(message.AsSpan(RoomPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var roomId) && roomId > 0)
        {
            return (false, roomId);
        }

        return (true, null);
    }
}
