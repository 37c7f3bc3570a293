using System.Net;

namespace Live.Moderation.Bans;

public enum BanKind : byte
{
    None,

    /// <summary>The user may not send anywhere.</summary>
    User,

    /// <summary>The address the user connects from may not send.</summary>
    Ip,
}

/// <summary>
/// Bans are owned by UserService; the pipeline only reads them, through this hook. A full ban is checked
/// before anything else; a shadow ban does not change how a message is judged, only who sees it, so it is
/// looked up alongside the Redis admission step.
/// </summary>
public interface IBanLookup
{
    ValueTask<BanKind> GetBanAsync(long userId, IPAddress? clientAddress, CancellationToken cancellationToken);

    ValueTask<bool> IsShadowBannedAsync(long userId, CancellationToken cancellationToken);
}
