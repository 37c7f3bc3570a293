using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Live.Testing;

namespace Live.Operations.Tests;

/// <summary>
/// A Prometheus of the test's own (Debian's package) on a fresh loopback port and a scratch data directory,
/// with the platform's alert rules (deploy/prometheus/rules) and short scrape and evaluation intervals.
/// </summary>
public sealed class PrometheusProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly string directory;
    private readonly HttpClient http;

    private PrometheusProcess(Process process, string directory, int port, TimeSpan interval)
    {
        this.process = process;
        this.directory = directory;
        Address = new Uri($"http://127.0.0.1:{port}");
        Interval = interval;
        http = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(10) };
    }

    public Uri Address { get; }

    /// <summary>Scrape and rule evaluation interval.</summary>
    public TimeSpan Interval { get; }

    public static async Task<PrometheusProcess> StartAsync(IEnumerable<(string Service, Uri Http)> targets, TimeSpan interval)
    {
        var port = TestEnvironment.FreeTcpPort();
        var directory = Directory.CreateTempSubdirectory("live-prometheus-").FullName;
        var seconds = ((int)interval.TotalSeconds).ToString(CultureInfo.InvariantCulture) + "s";
        var config = new List<string>
        {
            "global:",
            $"  scrape_interval: {seconds}",
            $"  evaluation_interval: {seconds}",
            "rule_files:",
            $"  - {AlertRules.RulesDirectory}/*.yml",
            "scrape_configs:",
        };
        foreach (var (service, address) in targets)
        {
            config.Add($"  - job_name: {service}");
            config.Add("    static_configs:");
            config.Add($"      - targets: [\"{address.Authority}\"]");
            config.Add($"        labels: {{ service: {service} }}");
        }

        var configFile = Path.Combine(directory, "prometheus.yml");
        await File.WriteAllLinesAsync(configFile, config);
        var info = new ProcessStartInfo(ExternalTools.Prometheus)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
                 {
                     "--config.file=" + configFile, "--storage.tsdb.path=" + Path.Combine(directory, "data"),
                     "--web.listen-address=127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture),
                 })
        {
            info.ArgumentList.Add(argument);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("prometheus did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var prometheus = new PrometheusProcess(process, directory, port, interval);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                if ((await prometheus.http.GetAsync("/-/ready")).IsSuccessStatusCode)
                {
                    return prometheus;
                }
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline && !process.HasExited)
            {
            }

            if (DateTime.UtcNow > deadline || process.HasExited)
            {
                await prometheus.DisposeAsync();
                throw new InvalidOperationException("prometheus did not become ready");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>The active (pending or firing) alerts, from /api/v1/alerts.</summary>
    public async Task<IReadOnlyList<ActiveAlert>> AlertsAsync()
    {
        using var document = JsonDocument.Parse(await http.GetStringAsync("/api/v1/alerts"));
        return
        [
            .. document.RootElement.GetProperty("data").GetProperty("alerts").EnumerateArray().Select(a => new ActiveAlert(
                a.GetProperty("labels").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? string.Empty, StringComparer.Ordinal),
                a.GetProperty("state").GetString()!,
                a.GetProperty("activeAt").GetDateTimeOffset())),
        ];
    }

    /// <summary>Targets whose last scrape succeeded, by their service label.</summary>
    public async Task<IReadOnlySet<string>> HealthyTargetsAsync()
    {
        var answer = await http.GetFromJsonAsync<JsonElement>("/api/v1/targets?state=active");
        return answer.GetProperty("data").GetProperty("activeTargets").EnumerateArray()
            .Where(t => t.GetProperty("health").GetString() == "up")
            .Select(t => t.GetProperty("labels").GetProperty("service").GetString()!)
            .ToHashSet(StringComparer.Ordinal);
    }

    public async ValueTask DisposeAsync()
    {
        http.Dispose();
        if (!process.HasExited)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }

        process.Dispose();
        Directory.Delete(directory, recursive: true);
    }

    public sealed record ActiveAlert(IReadOnlyDictionary<string, string> Labels, string State, DateTimeOffset ActiveAt);
}
