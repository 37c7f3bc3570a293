using System.Net;
using StackExchange.Redis;

namespace Live.Moderation.Bans;

/// <summary>
/// Reads the ban keys UserService writes (key contract in docs/moderation.md): a key that exists is a ban in
/// force, its TTL is the time left, no TTL means permanent. The user's two keys share a hash slot and are
/// read by one script; the address key is read in the same pipelined round trip.
/// </summary>
public sealed class RedisBanLookup(IConnectionMultiplexer redis) : IBanLookup
{
    private const string UserScript = "return {redis.call('PTTL', KEYS[1]), redis.call('PTTL', KEYS[2])}";

    public async ValueTask<BanStatus> GetAsync(long userId, IPAddress? clientAddress, CancellationToken cancellationToken)
    {
        var db = redis.GetDatabase();
        var userKeys = db.ScriptEvaluateAsync(UserScript, [BanKeys.User(userId), BanKeys.ShadowUser(userId)]);
        var addressKey = clientAddress is null ? null : db.ExecuteAsync("PTTL", BanKeys.Ip(clientAddress));

        var user = (long[])(await userKeys)!;
        if (InForce(user[0]))
        {
            if (addressKey is not null)
            {
                await addressKey;
            }

            return new BanStatus(BanKind.User, TimeLeft(user[0]));
        }

        if (addressKey is not null && (long)(await addressKey) is var addressTtl && InForce(addressTtl))
        {
            return new BanStatus(BanKind.Ip, TimeLeft(addressTtl));
        }

        return InForce(user[1]) ? new BanStatus(BanKind.Shadow, TimeLeft(user[1])) : BanStatus.None;
    }

    /// <summary>PTTL: -2 no key, -1 no expiry, otherwise milliseconds left.</summary>
    private static bool InForce(long pttl) => pttl != -2;

    private static TimeSpan? TimeLeft(long pttl) => pttl >= 0 ? TimeSpan.FromMilliseconds(pttl) : null;
}

/// <summary>
/// The ban keys, written by UserService and read here. The braces are Redis Cluster hash tags and part of
/// the key: "ban:user:{42}".
/// </summary>
public static class BanKeys
{
    public static RedisKey User(long userId) => $"ban:user:{{{userId}}}";

    public static RedisKey ShadowUser(long userId) => $"shadowban:user:{{{userId}}}";

    /// <summary>The address in its canonical text (IPv4 dotted quad; IPv6 compressed, lower case); IPv4-mapped IPv6 is IPv4.</summary>
    public static RedisKey Ip(IPAddress address) =>
        $"ban:ip:{{{(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address)}}}";
}
