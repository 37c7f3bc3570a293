using Live.V1;

namespace Live.Operations.Tests;

/// <summary>
/// The consumer lag alert in a real Prometheus with the shipped rules: StatsService is stopped while messages
/// keep flowing, ConsumerLagGrowing fires within the rule's `for` plus one evaluation interval of becoming
/// pending, and resolves once StatsService is back and has caught up. The alerts page with the alert firing
/// is saved for docs/operations.md.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class ConsumerLagAlertTests(PlatformEnvironment env)
{
    private const string AlertName = "ConsumerLagGrowing";

    /// <summary>Slack for this loaded machine on top of `for` + one interval: a poll, and an evaluation that runs late.</summary>
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task StoppedStatsServiceFiresTheLagAlertWhichResolvesWhenItIsBack()
    {
        var rule = AlertRules.All().Single(r => r.Name == AlertName);
        var hold = AlertRules.ParseDuration(rule.For!);
        var (_, room) = await env.LiveRoomAsync();
        await using var prometheus = await PrometheusProcess.StartAsync(env.ScrapeTargets, TimeSpan.FromSeconds(1));
        await WaitForAsync(async () => (await prometheus.HealthyTargetsAsync()).Count == 6, TimeSpan.FromSeconds(60), "all six targets up");

        using var flowing = new CancellationTokenSource();
        var publisher = PublishAsync(room.Id, flowing.Token);
        try
        {
            await env.StopStatsAsync();
            var stopped = DateTimeOffset.UtcNow;

            PrometheusProcess.ActiveAlert? pending = null;
            await WaitForAsync(async () => (pending = await OursAsync(prometheus)) is not null, TimeSpan.FromSeconds(120), "the lag alert to become pending");
            Assert.True(pending!.ActiveAt >= stopped.AddSeconds(-1), "the alert was active before StatsService stopped");

            PrometheusProcess.ActiveAlert? firing = null;
            await WaitForAsync(async () => (firing = await OursAsync(prometheus)) is { State: "firing" }, hold + TimeSpan.FromSeconds(60), "the lag alert to fire");
            var firedBy = DateTimeOffset.UtcNow;
            Assert.True(firedBy - pending.ActiveAt <= hold + prometheus.Interval + Slack,
                $"fired {firedBy - pending.ActiveAt} after becoming active; the rule holds {hold}, evaluated every {prometheus.Interval}");
            Assert.Equal("critical", firing!.Labels["severity"]);
            Assert.Equal(env.LiveMessagesTopic, firing.Labels["topic"]);

            await AlertsPageScreenshot.SaveAsync(prometheus.Address, ExternalTools.RepoPath(".local", "test-results", "prometheus-consumer-lag-firing.png"));
        }
        finally
        {
            await flowing.CancelAsync();
            await publisher;
        }

        await env.StartStatsAsync();
        await WaitForAsync(async () => await OursAsync(prometheus) is null, TimeSpan.FromSeconds(90), "the lag alert to resolve");
    }

    private async Task<PrometheusProcess.ActiveAlert?> OursAsync(PrometheusProcess prometheus) =>
        (await prometheus.AlertsAsync()).SingleOrDefault(a =>
            a.Labels["alertname"] == AlertName && a.Labels.GetValueOrDefault("group") == env.StatsGroup && a.Labels.GetValueOrDefault("topic") == env.LiveMessagesTopic);

    /// <summary>About 40 messages a second into the room (as a service publishes), until cancelled.</summary>
    private async Task PublishAsync(long roomId, CancellationToken cancellationToken)
    {
        var client = env.InternalMessages;
        var n = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            await client.PublishAsync(new PublishRequest { RoomId = roomId, Kind = MessageKind.System, Content = $"lag {n++}" }, cancellationToken: CancellationToken.None);
            try
            {
                await Task.Delay(25, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out after {timeout} waiting for {what}");
            }

            await Task.Delay(500);
        }
    }
}
