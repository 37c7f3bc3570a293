using System.Diagnostics;
using Live.MessageService.Ingest;
using Live.MessageService.Telemetry;
using Live.Protocol;
using Live.V1;

namespace Live.MessageService.Relay;

/// <summary>
/// The span of one relayed message's ingest. It exists only for messages whose client sent a trace context (the
/// Edge forwards it as ClientMessage.traceparent), so untraced traffic costs nothing here; the Kafka record it
/// produces carries the span's context on to StatsService.
/// </summary>
public static class IngestTracing
{
    public const string IngestSpanName = "danmaku ingest";

    /// <summary>Starts the ingest span as a child of <paramref name="traceparent"/> and makes it current; null when there is none.</summary>
    public static Activity? StartRelayed(string traceparent)
    {
        if (traceparent.Length == 0 || !ActivityContext.TryParse(traceparent, null, isRemote: true, out var parent))
        {
            return null;
        }

        return MessageMetrics.ActivitySource.StartActivity(IngestSpanName, ActivityKind.Consumer, parent);
    }

    /// <summary>Ends the span with the ingest's outcome: a failure on our side is an error (always kept by the sampler), a refusal is not.</summary>
    public static void Stop(Activity? activity, Task<IngestResult> ingest)
    {
        if (activity is null)
        {
            return;
        }

        if (!ingest.IsCompletedSuccessfully)
        {
            activity.SetStatus(ActivityStatusCode.Error, ingest.IsCanceled ? "cancelled" : ingest.Exception?.InnerException?.Message);
        }
        else if (ingest.Result is { IsAccepted: true } accepted)
        {
            activity.SetTag("live.seq", accepted.Seq);
        }
        else
        {
            var reason = RejectReasonTable.NameOf(ingest.Result.Verdict.Reason);
            activity.SetTag("live.reject_reason", reason);
            if (ingest.Result.Verdict.Reason == RejectReason.Unavailable)
            {
                activity.SetStatus(ActivityStatusCode.Error, reason);
            }
        }

        activity.Stop();
    }
}
