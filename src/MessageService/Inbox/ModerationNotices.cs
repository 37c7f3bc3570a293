using Live.V1;

namespace Live.MessageService.Inbox;

/// <summary>
/// Tells a user, in their inbox, what a moderator did to them. A timeout's idempotency key is derived from the
/// timeout itself (room, user, when it ends), so a retried admin call stores one notice (ADR 0012).
/// </summary>
public sealed class ModerationNotices(InboxStore store, InboxMetrics metrics)
{
    /// <summary>A timeout call that finds the same timeout ending within this much of its own is a retry of it.</summary>
    public static readonly TimeSpan RetryWindow = TimeSpan.FromMinutes(1);

    /// <param name="until">When the timeout ends: the first call's end for a retry (<see cref="EndOfTimeout"/>).</param>
    public async Task TimedOutAsync(long roomId, long userId, int durationSeconds, string reason, DateTimeOffset until, CancellationToken ct)
    {
        var content = $"You were timed out in room {roomId} for {InboxDurations.Describe(durationSeconds)}."
            + (string.IsNullOrWhiteSpace(reason) ? string.Empty : $" Reason: {reason.Trim()}");
        var draft = new InboxDraft(InboxKind.Moderation, 0, string.Empty, content, roomId, durationSeconds, $"timeout:{roomId}:{userId}:{until.ToUnixTimeMilliseconds()}");
        var result = await store.SendAsync([userId], draft, requireAcceptsWhispers: false, ct);
        var duplicate = result.Deliveries[0].Duplicate;
        metrics.Sent(InboxKind.Moderation, duplicate ? 0 : 1, duplicate ? 1 : 0);
    }

    /// <summary>
    /// The end that names this timeout: the earlier one when a timeout already in force ends within
    /// <see cref="RetryWindow"/> of the new one (the same action retried), else the new one.
    /// </summary>
    public static DateTimeOffset EndOfTimeout(DateTimeOffset? before, DateTimeOffset after) =>
        before is { } earlier && (after - earlier).Duration() <= RetryWindow ? earlier : after;
}
