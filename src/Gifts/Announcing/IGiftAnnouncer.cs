using Live.V1;

namespace Live.Gifts.Announcing;

/// <summary>
/// Tells a room about a gift once it is paid for. <see cref="Sending.GiftSender"/> calls it after the commit of a
/// new send, never for a replayed one. A host that registers none announces nothing (the gift-only test hosts).
/// </summary>
public interface IGiftAnnouncer
{
    /// <summary>
    /// The gift is committed whatever happens here: an implementation reports its own failures, and anything it
    /// throws is logged and counted by the sender, never returned to the client.
    /// </summary>
    ValueTask AnnounceAsync(GiftAnnouncement gift, CancellationToken cancellationToken);
}

/// <param name="SenderName">The sender's display name when they sent it themself; empty when a service sent it for them.</param>
public sealed record GiftAnnouncement(
    string IdempotencyKey,
    long RoomId,
    long SenderUserId,
    string SenderName,
    int GiftId,
    string GiftName,
    GiftTier Tier,
    int Count);
