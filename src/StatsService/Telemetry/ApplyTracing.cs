using System.Diagnostics;
using Confluent.Kafka;
using Live.Kafka;
using Live.StatsService.Facts;

namespace Live.StatsService.Telemetry;

/// <summary>
/// Continues the traces that reach StatsService in Kafka record headers: each sampled record gets a span, a child
/// of its producer's span, covering the apply of the batch it was in (batches are applied whole, so that is the
/// record's apply). Unsampled records, the vast majority, cost a header lookup and nothing more.
/// </summary>
public static class ApplyTracing
{
    public const string ApplySpanName = "stats apply";

    /// <summary>Spans per batch at most; a batch of thousands of sampled records does not need thousands of spans.</summary>
    public const int MaxPerBatch = 64;

    public static readonly ActivitySource ActivitySource = new(StatsMetrics.Name);

    public static void Collect(Headers headers, List<ActivityContext> traced)
    {
        // Only sampled contexts: a byte check on the flags before anything is parsed.
        if (headers.TryGetLastBytes(KafkaTraceContext.TraceParentHeader, out var parent) && parent.Length == 55 && parent[54] == (byte)'1')
        {
            var context = KafkaTraceContext.Extract(headers);
            if (context != default)
            {
                traced.Add(context);
            }
        }
    }

    public static void Applied(List<ActivityContext> traced, DateTime startedAt, List<PartitionSlice> slices, Exception? error)
    {
        if (traced.Count == 0 || !ActivitySource.HasListeners())
        {
            return;
        }

        var records = 0;
        foreach (var slice in slices)
        {
            records += slice.Records;
        }

        foreach (var parent in traced)
        {
            using var activity = ActivitySource.StartActivity(ApplySpanName, ActivityKind.Consumer, parent, startTime: startedAt);
            if (activity is null)
            {
                continue;
            }

            activity.SetTag("messaging.system", "kafka");
            activity.SetTag("messaging.batch.message_count", records);
            if (error is not null)
            {
                activity.SetStatus(ActivityStatusCode.Error, error.Message);
            }
        }
    }
}
