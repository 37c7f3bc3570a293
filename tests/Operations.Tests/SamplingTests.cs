using System.Diagnostics;
using Live.ServiceDefaults.Hosting;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace Live.Operations.Tests;

/// <summary>
/// Head sampling at a ratio plus keeping what failed or was slow: a tracer provider built as the services build
/// theirs (PlatformSampler, ErrorAndSlowSpanKeeper before the exporter), on a source of the test's own.
/// </summary>
[Collection(SamplingAlone.Name)]
public sealed class SamplingTests
{
    [Fact]
    public void HeadSamplingKeepsAboutTheRatioAndTheSameTracesEverywhere()
    {
        using var source = new ActivitySource("Live.SamplingTests." + Guid.NewGuid().ToString("N"));
        var exported = new List<Activity>();
        using var provider = Build(source, new TracingOptions { SampleRatio = 0.25, KeepErrorsAndSlow = false }, exported);
        var sampled = new HashSet<ActivityTraceId>();
        for (var i = 0; i < 4_000; i++)
        {
            using var activity = source.StartActivity("op");
            if (activity?.Recorded == true)
            {
                sampled.Add(activity.TraceId);
            }
        }

        Assert.InRange(sampled.Count, 800, 1_200);

        // The decision is the trace id's: a second service with the same ratio keeps exactly the same traces.
        var second = new PlatformSampler(new TracingOptions { SampleRatio = 0.25 });
        foreach (var traceId in sampled.Take(100))
        {
            var decision = second.ShouldSample(new SamplingParameters(default, traceId, "op", ActivityKind.Server));
            Assert.Equal(SamplingDecision.RecordAndSample, decision.Decision);
        }
    }

    [Fact]
    public void A_sampled_caller_is_followed_even_at_ratio_zero()
    {
        using var source = new ActivitySource("Live.SamplingTests." + Guid.NewGuid().ToString("N"));
        var exported = new List<Activity>();
        using var provider = Build(source, new TracingOptions { SampleRatio = 0 }, exported);
        var parent = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded, isRemote: true);

        using (source.StartActivity("child", ActivityKind.Server, parent))
        {
        }

        Assert.Single(exported);
        Assert.Equal(parent.TraceId, exported[0].TraceId);
    }

    [Fact]
    public void Errors_and_slow_spans_are_kept_when_head_sampling_left_them_out()
    {
        using var source = new ActivitySource("Live.SamplingTests." + Guid.NewGuid().ToString("N"));
        var exported = new List<Activity>();
        using var provider = Build(source, new TracingOptions { SampleRatio = 0, SlowSpanMs = 50 }, exported);

        using (source.StartActivity("fast and fine"))
        {
        }

        using (var failed = source.StartActivity("failed"))
        {
            failed!.SetStatus(ActivityStatusCode.Error, "boom");
        }

        using (var slow = source.StartActivity("slow"))
        {
            slow!.SetStartTime(DateTime.UtcNow.AddMilliseconds(-80));
        }

        Assert.Equal(["failed", "slow"], exported.Select(a => a.DisplayName).Order(StringComparer.Ordinal));
        Assert.Equal("error", exported.Single(a => a.DisplayName == "failed").GetTagItem("live.kept_because"));
        Assert.Equal("slow", exported.Single(a => a.DisplayName == "slow").GetTagItem("live.kept_because"));
    }

    [Fact]
    public void With_keeping_off_nothing_left_out_is_recorded()
    {
        using var source = new ActivitySource("Live.SamplingTests." + Guid.NewGuid().ToString("N"));
        var exported = new List<Activity>();
        using var provider = Build(source, new TracingOptions { SampleRatio = 0, KeepErrorsAndSlow = false }, exported);

        using (var failed = source.StartActivity("failed"))
        {
            Assert.False(failed?.IsAllDataRequested ?? false);
            failed?.SetStatus(ActivityStatusCode.Error);
        }

        Assert.Empty(exported);
    }

    private static TracerProvider Build(ActivitySource source, TracingOptions options, List<Activity> exported) =>
        Sdk.CreateTracerProviderBuilder()
            .SetSampler(new PlatformSampler(options))
            .AddProcessor(new ErrorAndSlowSpanKeeper(options))
            .AddSource(source.Name)
            .AddProcessor(new Collect(exported))
            .Build()!;

    /// <summary>Stands for an exporter: exporters take sampled spans only.</summary>
    private sealed class Collect(List<Activity> exported) : BaseProcessor<Activity>
    {
        public override void OnEnd(Activity data)
        {
            if (data.Recorded)
            {
                exported.Add(data);
            }
        }
    }
}

/// <summary>
/// Runs after every parallel collection, alone: a host another test runs in this process listens to every Live.*
/// source with its own sampler, and an activity is recorded when any listener samples it.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SamplingAlone
{
    public const string Name = "Sampling, alone in the process";
}
