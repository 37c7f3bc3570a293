using System.Globalization;
using System.Net;
using StackExchange.Redis;

namespace Live.Bans;

/// <summary>
/// The Redis mirror of active bans, written by UserService and read by every node:
/// a sorted set per kind (member = user id or canonical IP, score = expiry in unix ms, +inf when permanent)
/// and a channel announcing each change as <c>kind|subject|expiry-ms</c> (<c>inf</c>, or <c>lifted</c>).
/// </summary>
public static class BanKeys
{
    public const string UserKind = "user";
    public const string IpKind = "ip";

    /// <summary>The user's messages are shown to nobody but themselves; the subject is the user id.</summary>
    public const string ShadowKind = "shadow";

    public const string Lifted = "lifted";
    public const string Permanent = "inf";

    public static readonly RedisKey Users = "bans:user";
    public static readonly RedisKey Ips = "bans:ip";
    public static readonly RedisKey Shadows = "bans:shadow";
    public static readonly RedisChannel Changes = RedisChannel.Literal("bans:changed");

    public static RedisKey For(string kind) => kind switch
    {
        UserKind => Users,
        ShadowKind => Shadows,
        _ => Ips,
    };

    /// <summary>One spelling per address, so a ban on ::ffff:10.0.0.1 is a ban on 10.0.0.1.</summary>
    public static string CanonicalIp(IPAddress address) =>
        (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString();

    public static string UserSubject(long userId) => userId.ToString(CultureInfo.InvariantCulture);

    public static string ChangeMessage(string kind, string subject, double expiresUnixMs) =>
        $"{kind}|{subject}|{(double.IsPositiveInfinity(expiresUnixMs) ? Permanent : ((long)expiresUnixMs).ToString(CultureInfo.InvariantCulture))}";

    public static string LiftedMessage(string kind, string subject) => $"{kind}|{subject}|{Lifted}";
}
