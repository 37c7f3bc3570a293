using Grpc.Core;
using Live.Edge.Telemetry;
using Live.V1;
using Microsoft.Extensions.Options;

namespace Live.Edge.Inbox;

/// <summary>
/// Acks as MarkRead calls, coalesced per user: at most one call in flight per user; acks that arrive meanwhile
/// only raise the seq the next call carries (cumulative, so the latest wins and nothing is lost by merging).
/// </summary>
public sealed class ReadMarker(InboxService.InboxServiceClient client, IOptions<InboxOptions> options, ILogger<ReadMarker> logger)
{
    private readonly Dictionary<long, long> next = [];
    private readonly HashSet<long> inFlight = [];
    private readonly Lock gate = new();
    private readonly InboxOptions settings = options.Value;

    public void MarkRead(long userId, long seq)
    {
        lock (gate)
        {
            if (inFlight.Contains(userId))
            {
                if (next.TryGetValue(userId, out var waiting))
                {
                    next[userId] = Math.Max(waiting, seq);
                }
                else if (next.Count < settings.MaxPendingReadMarks)
                {
                    next[userId] = seq;
                }
                else
                {
                    Log.ReadMarkDropped(logger, userId, seq);
                }

                return;
            }

            if (inFlight.Count >= settings.MaxPendingReadMarks)
            {
                Log.ReadMarkDropped(logger, userId, seq);
                return;
            }

            inFlight.Add(userId);
        }

        _ = RunAsync(userId, seq);
    }

    private async Task RunAsync(long userId, long seq)
    {
        while (true)
        {
            try
            {
                await client.MarkReadAsync(new MarkReadRequest { UserId = userId, Seq = seq }, deadline: DateTime.UtcNow.AddMilliseconds(settings.CallTimeoutMs));
            }
            catch (RpcException ex)
            {
                // Not read in the store: the messages come again on the next connection and are acked again.
                Log.MarkReadFailed(logger, userId, seq, ex.Status.Detail);
            }

            lock (gate)
            {
                if (!next.Remove(userId, out var later) || later <= seq)
                {
                    inFlight.Remove(userId);
                    return;
                }

                seq = later;
            }
        }
    }
}
