using Google.Protobuf.WellKnownTypes;
using Live.Bans;
using Live.ServiceDefaults.Grpc;
using Live.V1;

namespace Live.UserService.Bans;

internal static class BanMapping
{
    public static Ban ToContract(this BanRecord record)
    {
        var ban = new Ban
        {
            BanId = record.Id,
            Kind = record.Kind switch
            {
                BanKeys.UserKind => BanKind.User,
                BanKeys.ShadowKind => BanKind.Shadow,
                _ => BanKind.Ip,
            },
            Subject = record.Subject,
            Reason = record.Reason,
            CreatedAt = Timestamp.FromDateTime(record.CreatedAt),
            CreatedBy = record.CreatedBy,
        };
        if (record.ExpiresAt is { } expires)
        {
            ban.ExpiresAt = Timestamp.FromDateTime(expires);
        }

        return ban;
    }

    /// <summary>The stored kind a ListBans filter asks for; null for every kind.</summary>
    public static string? KindFilter(BanKind kind)
    {
        switch (kind)
        {
            case BanKind.Unspecified:
                return null;
            case BanKind.User:
                return BanKeys.UserKind;
            case BanKind.Ip:
                return BanKeys.IpKind;
            case BanKind.Shadow:
                return BanKeys.ShadowKind;
            default:
                RpcErrors.InvalidArgument($"kind {(int)kind} is not a BanKind.");
                return null;
        }
    }
}
