namespace Live.Operations.Tests;

/// <summary>
/// Every metric the alert rules and the Grafana dashboards read is one the services really export: the names
/// come from /metrics scrapes of the real hosts after a message went through the whole platform.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class MetricNamesTests(PlatformEnvironment env)
{
    /// <summary>Series Prometheus makes itself, not the services.</summary>
    private static readonly HashSet<string> FromPrometheus = new(StringComparer.Ordinal) { "up", "ALERTS", "ALERTS_FOR_STATE", "scrape_duration_seconds" };

    [Fact]
    public async Task EveryMetricInTheRulesAndDashboardsIsExported()
    {
        await TrafficAsync();
        var exported = new HashSet<string>(FromPrometheus, StringComparer.Ordinal);
        using var http = new HttpClient();
        foreach (var (service, address) in env.ScrapeTargets)
        {
            var body = await http.GetStringAsync(new Uri(address, "/metrics"));
            var names = Scrape.Names(body);
            Assert.True(names.Count > 10, $"{service} exported only {names.Count} metrics");
            exported.UnionWith(names);
        }

        var rules = AlertRules.All();
        exported.UnionWith(rules.Where(r => !r.Labels.ContainsKey("severity") && r.Name.Contains(':', StringComparison.Ordinal)).Select(r => r.Name));
        var expressions = rules.Select(r => ($"rule {r.Name}", r.Expression)).Concat(PromQl.DashboardExpressions()).ToList();
        Assert.Contains(expressions, e => e.Item1.StartsWith("platform-overview.json", StringComparison.Ordinal));

        var unknown = new List<string>();
        foreach (var (where, expression) in expressions)
        {
            var names = PromQl.MetricNames(expression);
            Assert.True(names.Count > 0, $"{where}: no metric found in '{expression}'");
            unknown.AddRange(names.Where(n => !exported.Contains(n)).Select(n => $"{where}: {n}"));
        }

        Assert.True(unknown.Count == 0, "not exported by any service:\n" + string.Join("\n", unknown));
    }

    [Fact]
    public void TheExtractorFindsMetricsAndNothingElse()
    {
        var names = PromQl.MetricNames(
            "histogram_quantile(0.99, sum by (le) (rate(live_edge_delivery_latency_milliseconds_bucket{service=\"edge\", instance=~\"$instance\"}[$__rate_interval])))"
            + " / on (instance) group_left live_edge_connections_limit > 1e-5 and ignoring(code) up offset 5m");
        Assert.Equal(["live_edge_connections_limit", "live_edge_delivery_latency_milliseconds_bucket", "up"], names.Order(StringComparer.Ordinal));
    }

    /// <summary>A message through everything (so histograms and per-message counters have samples), and a malformed frame.</summary>
    private async Task TrafficAsync()
    {
        var (tokens, room) = await env.LiveRoomAsync();
        await using var client = await TracedClient.ConnectAsync(env, tokens.AccessToken, room.Id);
        await client.SendGarbageAsync();
        await client.SendAsync(room.Id, "metrics hello");
        await client.ReceiveBatchWithAsync("metrics hello");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!env.Spans.Any(s => s.TraceId == client.TraceId && s.DisplayName == Live.StatsService.Telemetry.ApplyTracing.ApplySpanName))
        {
            Assert.True(DateTime.UtcNow < deadline, "the message never reached StatsService");
            await Task.Delay(100);
        }

        // One round of every periodic exporter (consumer lag, dependency checks) after the traffic.
        await Task.Delay(TimeSpan.FromMilliseconds(2 * PlatformEnvironment.ConsumerLagIntervalMs));
    }
}

/// <summary>The Prometheus text format, as far as names go.</summary>
public static class Scrape
{
    public static HashSet<string> Names(string body)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in body.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var end = line.IndexOfAny(['{', ' ']);
            names.Add(end < 0 ? line : line[..end]);
        }

        return names;
    }
}
