using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace Live.ServiceDefaults.Hosting;

/// <summary>
/// Head sampling at <see cref="TracingOptions.SampleRatio"/> (on the trace id, so services agree), following a
/// caller that sampled. What head sampling leaves out is recorded but not sampled when
/// <see cref="TracingOptions.KeepErrorsAndSlow"/> is on, so <see cref="ErrorAndSlowSpanKeeper"/> can still keep
/// the spans that failed or were slow when they end.
/// </summary>
public sealed class PlatformSampler(TracingOptions options) : Sampler
{
    private readonly TraceIdRatioBasedSampler ratio = new(options.SampleRatio);
    private readonly SamplingResult leftOut = new(options.KeepErrorsAndSlow ? SamplingDecision.RecordOnly : SamplingDecision.Drop);
    private readonly SamplingResult kept = new(SamplingDecision.RecordAndSample);

    public override SamplingResult ShouldSample(in SamplingParameters samplingParameters)
    {
        var parent = samplingParameters.ParentContext;
        if (parent.TraceId != default && (parent.TraceFlags & ActivityTraceFlags.Recorded) != 0)
        {
            return kept;
        }

        return ratio.ShouldSample(samplingParameters).Decision == SamplingDecision.RecordAndSample ? kept : leftOut;
    }
}

/// <summary>
/// The second half of the sampling: a recorded span that head sampling left out is marked sampled when it ends
/// in an error, or when a platform span (source "Live.*") took at least <see cref="TracingOptions.SlowSpanMs"/>.
/// It must run before the exporters, which export sampled spans only.
/// </summary>
public sealed class ErrorAndSlowSpanKeeper(TracingOptions options) : BaseProcessor<Activity>
{
    private readonly TimeSpan slow = options.SlowSpanMs > 0 ? TimeSpan.FromMilliseconds(options.SlowSpanMs) : TimeSpan.MaxValue;

    public override void OnEnd(Activity data)
    {
        if (data.Recorded || !data.IsAllDataRequested)
        {
            return;
        }

        if (data.Status == ActivityStatusCode.Error
            || (data.Duration >= slow && data.Source.Name.StartsWith(PlatformTelemetry.SourcePrefix, StringComparison.Ordinal)))
        {
            data.ActivityTraceFlags |= ActivityTraceFlags.Recorded;
            data.SetTag("live.kept_because", data.Status == ActivityStatusCode.Error ? "error" : "slow");
        }
    }
}
