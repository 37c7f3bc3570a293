using System.Diagnostics.Metrics;
using Live.Moderation.Telemetry;
using Microsoft.Extensions.DependencyInjection;

namespace Live.Moderation.Tests;

public sealed class MetricsTests(ModerationFixture fixture) : IClassFixture<ModerationFixture>
{
    [Fact]
    public async Task Every_verdict_is_counted_by_outcome_and_reason()
    {
        var node = fixture.Node;
        var factory = node.Services.GetRequiredService<IMeterFactory>();
        var counted = new List<(string Outcome, string Reason)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == ModerationMetrics.Name && instrument.Meter.Scope == factory && instrument.Name == "live.moderation.verdicts")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            string? outcome = null, reason = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "outcome") outcome = (string?)tag.Value;
                if (tag.Key == "reason") reason = (string?)tag.Value;
            }

            lock (counted)
            {
                counted.Add((outcome!, reason!));
            }
        });
        listener.Start();

        var (user, room) = (Ids.User(), Ids.Room());
        await node.SendAsync(user, room, "hello");
        await node.SendAsync(user, room, "hello");
        await node.SendAsync(user, room, new string('x', 101));

        lock (counted)
        {
            Assert.Equal([("accepted", "none"), ("rejected", "duplicate"), ("rejected", "too_long")], counted);
        }
    }
}
