using Grpc.Core;
using Live.StatsService.Telemetry;
using Live.V1;
using Microsoft.Extensions.Options;
using InboxServiceClient = Live.V1.InboxService.InboxServiceClient;

namespace Live.StatsService.WentLive;

/// <summary>
/// Tells every follower of an anchor that their room went live: followers in keyset pages, one SendToUsers per
/// page with the event's key, at most <see cref="WentLiveOptions.MaxPagesInFlight"/> calls under way. A failed
/// page is sent again with the same key until it succeeds (the inbox stores each recipient's message once), so
/// the fan-out finishes whole or, when the host stops, is run again from the start by the next consumer.
/// </summary>
public sealed class WentLiveFanout(
    InboxServiceClient inbox,
    FollowerPages followers,
    IOptions<WentLiveOptions> options,
    TimeProvider time,
    ILogger<WentLiveFanout> logger)
{
    /// <returns>How many followers got a new message (the rest had it already).</returns>
    public async Task<long> RunAsync(RoomEvent started, CancellationToken ct)
    {
        var settings = options.Value;
        var room = started.Room;
        var key = $"live:{room.Id}:{started.EventId}";
        using var slots = new SemaphoreSlim(settings.MaxPagesInFlight);
        var sends = new List<Task<int>>();
        long after = 0;
        try
        {
            while (true)
            {
                await slots.WaitAsync(ct);
                var page = await followers.ReadAsync(room.AnchorUserId, after, settings.PageSize, ct);
                if (page.Count == 0)
                {
                    slots.Release();
                    break;
                }

                after = page[^1];
                sends.Add(SendPageAsync(page, room, key, slots, ct));
            }
        }
        catch (Exception)
        {
            // Stopping, or the followers could not be read: the pages under way end before their semaphore does,
            // and the consumer runs the whole event again later (the key makes sent pages no-ops).
            await ((Task)Task.WhenAll(sends)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            throw;
        }

        return (await Task.WhenAll(sends)).Sum(stored => (long)stored);
    }

    private async Task<int> SendPageAsync(List<long> page, Room room, string key, SemaphoreSlim slots, CancellationToken ct)
    {
        var settings = options.Value;
        var request = new SendToUsersRequest
        {
            Kind = InboxKind.Follow,
            FromUserId = room.AnchorUserId,
            Content = string.IsNullOrWhiteSpace(room.Title) ? $"Room {room.Id} is live." : $"Room {room.Id} is live: {room.Title}",
            RoomId = room.Id,
            IdempotencyKey = key,
        };
        request.UserIds.AddRange(page);
        try
        {
            var delayMs = settings.RetryBaseMs;
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    var response = await inbox.SendToUsersAsync(request, deadline: time.GetUtcNow().UtcDateTime.AddMilliseconds(settings.CallTimeoutMs), cancellationToken: ct);
                    return response.Stored;
                }
                catch (RpcException ex) when (!ct.IsCancellationRequested && ex.StatusCode is not (StatusCode.InvalidArgument or StatusCode.PermissionDenied or StatusCode.Unauthenticated))
                {
                    Log.WentLivePageFailed(logger, room.Id, page.Count, attempt, ex.StatusCode.ToString(), delayMs);
                    await Task.Delay(TimeSpan.FromMilliseconds(delayMs), time, ct);
                    delayMs = Math.Min(delayMs * 2, settings.RetryMaxMs);
                }
            }
        }
        finally
        {
            slots.Release();
        }
    }
}
