using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using Live.StatsService.Telemetry;

namespace Live.StatsService.Throughput;

/// <summary>Sums the host's live.stats.stage.duration measurements per stage: where a batch's time goes.</summary>
public sealed class StageTimes
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, (double Ms, long Count)> sums = [];

    public MeterListener Listen()
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == StatsMetrics.Name && instrument.Name == "live.stats.stage.duration")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<double>((_, ms, tags, _) =>
        {
            var stage = tags.Length > 0 ? tags[0].Value as string ?? "?" : "?";
            lock (gate)
            {
                var (sum, count) = sums.GetValueOrDefault(stage);
                sums[stage] = (sum + ms, count + 1);
            }
        });
        listener.Start();
        return listener;
    }

    public void Reset()
    {
        lock (gate)
        {
            sums.Clear();
        }
    }

    /// <summary>
    /// Each stage's total seconds and mean milliseconds per call: the consumer thread's (whose totals add up to the
    /// run's time), then the apply tasks'.
    /// </summary>
    public string Summary()
    {
        lock (gate)
        {
            var text = new StringBuilder("stages, total s / mean ms per call: consumer thread");
            foreach (var stage in new[] { "gather", "idle", "wait", "commit", "|", "redis-build", "redis", "mysql" })
            {
                if (stage == "|")
                {
                    text.Append("; apply tasks");
                    continue;
                }

                var (ms, count) = sums.GetValueOrDefault(stage);
                text.Append(CultureInfo.InvariantCulture, $" {stage} {ms / 1000:F1} / {(count == 0 ? 0 : ms / count):F1}");
            }

            return text.ToString();
        }
    }
}
