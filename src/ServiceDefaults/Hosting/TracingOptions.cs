using System.ComponentModel.DataAnnotations;

namespace Live.ServiceDefaults.Hosting;

/// <summary>Trace sampling (section <c>Telemetry:Tracing</c>); see docs/operations.md.</summary>
public sealed class TracingOptions
{
    public const string Section = "Telemetry:Tracing";

    /// <summary>
    /// Head sampling: the share of traces kept from their start, decided on the trace id, so every service keeps
    /// or drops the same traces. A trace whose caller already sampled it is always kept.
    /// </summary>
    [Range(0.0, 1.0)]
    public double SampleRatio { get; set; } = 0.01;

    /// <summary>
    /// Spans left out by head sampling are still recorded and kept when they end in an error, or when one of the
    /// platform's own spans (message ingest, Kafka publish, stats apply) took longer than this (0: errors only).
    /// </summary>
    [Range(0, 600_000)]
    public int SlowSpanMs { get; set; } = 100;

    /// <summary>Off: spans left out by head sampling are not recorded at all (cheapest; no error or slow keeping).</summary>
    public bool KeepErrorsAndSlow { get; set; } = true;
}
