using System.Diagnostics.Metrics;
using Live.Moderation.Pipeline;
using Live.Moderation.Words;

namespace Live.Moderation.Telemetry;

public sealed class ModerationMetrics : IDisposable
{
    public const string Name = "Live.Moderation";

    private readonly Meter meter;
    private readonly Counter<long> verdicts;
    private readonly Counter<long> reloads;
    private readonly Histogram<double> reloadDuration;

    public ModerationMetrics(IMeterFactory meterFactory, WordFilter words)
    {
        meter = meterFactory.Create(Name);
        verdicts = meter.CreateCounter<long>("live.moderation.verdicts", description: "Messages judged, by outcome (accepted, masked, shadow, rejected) and reason code.");
        reloads = meter.CreateCounter<long>("live.moderation.word_reloads", description: "Word-list reloads by scope (full, global, room) and result (ok, error).");
        reloadDuration = meter.CreateHistogram<double>("live.moderation.word_reload.duration", unit: "ms", description: "Time to load a word list and build its automaton.");
        meter.CreateObservableGauge("live.moderation.words", () => (long)words.GlobalWordCount, description: "Words in the global list in force on this node.");
        meter.CreateObservableGauge("live.moderation.rooms_with_words", () => (long)words.RoomsWithWords, description: "Rooms whose own word list is in force on this node.");
    }

    public void Verdict(in ModerationVerdict verdict) =>
        verdicts.Add(1, new KeyValuePair<string, object?>("outcome", verdict.OutcomeCode), new KeyValuePair<string, object?>("reason", verdict.ReasonCode));

    public void Reload(string scope, bool ok, double durationMs)
    {
        reloads.Add(1, new KeyValuePair<string, object?>("scope", scope), new KeyValuePair<string, object?>("result", ok ? "ok" : "error"));
        reloadDuration.Record(durationMs, new KeyValuePair<string, object?>("scope", scope));
    }

    public void Dispose() => meter.Dispose();
}
