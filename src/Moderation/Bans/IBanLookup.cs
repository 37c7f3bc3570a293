using System.Net;

namespace Live.Moderation.Bans;

public enum BanKind : byte
{
    None,

    /// <summary>The user may not send anywhere.</summary>
    User,

    /// <summary>The address the user connects from may not send.</summary>
    Ip,

    /// <summary>The user's messages are shown to the user only.</summary>
    Shadow,
}

/// <summary>A user's standing: the strongest ban in force and, for a ban that expires, the time left.</summary>
public readonly record struct BanStatus(BanKind Kind, TimeSpan? RetryAfter)
{
    public static readonly BanStatus None = new(BanKind.None, null);
}

/// <summary>Bans are owned by UserService; the pipeline only reads them, through this hook.</summary>
public interface IBanLookup
{
    ValueTask<BanStatus> GetAsync(long userId, IPAddress? clientAddress, CancellationToken cancellationToken);
}
