using Grpc.Core;
using Live.V1;

namespace Live.UserService.Bans;

/// <summary>
/// Tells a banned user why and for how long, in their inbox (docs/inbox.md), once per ban: the idempotency key
/// is the ban's id, so a retried notice stores one message. Shadow bans send nothing — a notice would give them
/// away. The ban stands whether or not the notice gets through; one that does not is logged (event 2023).
/// </summary>
public sealed class BanNotices(InboxService.InboxServiceClient inbox, ILogger<BanNotices> logger)
{
    private const int Attempts = 3;

    public async Task BannedAsync(long userId, long banId, string reason, long durationSeconds, CancellationToken ct)
    {
        var request = new SendToUserRequest
        {
            UserId = userId,
            Kind = InboxKind.Moderation,
            Content = (durationSeconds == 0 ? "You were banned from the platform." : $"You were banned from the platform for {InboxDurations.Describe(durationSeconds)}.")
                + $" Reason: {reason}",
            DurationSeconds = durationSeconds,
            IdempotencyKey = $"ban:{banId}",
        };
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await inbox.SendToUserAsync(request, deadline: DateTime.UtcNow.AddSeconds(5), cancellationToken: ct);
                return;
            }
            catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded && attempt < Attempts)
            {
                await Task.Delay(200 * attempt, ct);
            }
            catch (RpcException ex)
            {
                Telemetry.Log.BanNoticeFailed(logger, userId, banId, ex.StatusCode.ToString(), ex.Status.Detail);
                return;
            }
        }
    }
}
