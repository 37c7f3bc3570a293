using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using HdrHistogram;
using Live.Tools.LoadGen.Clients;

namespace Live.Tools.LoadGen.Reporting;

/// <summary>Everything a run measured, as written to the JSON results file.</summary>
public sealed record RunReport(
    string Label,
    string Target,
    string Path,
    DateTimeOffset StartedAt,
    MachineInfo Machine,
    LoadSettings Load,
    double[] LoadAverageBefore,
    double[] LoadAverageAfter,
    RunSummary Summary,
    IReadOnlyList<TimelinePoint> Timeline)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}

public sealed record MachineInfo(int Processors, string CpuModel, double MemoryGiB, string Os, string Runtime)
{
    public static MachineInfo Read() => new(
        Environment.ProcessorCount,
        FirstValue("/proc/cpuinfo", "model name") ?? "unknown",
        Math.Round(double.Parse((FirstValue("/proc/meminfo", "MemTotal") ?? "0 kB").Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) / 1024 / 1024, 1),
        (FirstValue("/etc/os-release", "PRETTY_NAME", '=') ?? RuntimeInformation.OSDescription).Trim('"'),
        RuntimeInformation.FrameworkDescription);

    private static string? FirstValue(string file, string key, char separator = ':')
    {
        if (!File.Exists(file))
        {
            return null;
        }

        foreach (var line in File.ReadLines(file))
        {
            var at = line.IndexOf(separator);
            if (at > 0 && line[..at].Trim() == key)
            {
                return line[(at + 1)..].Trim();
            }
        }

        return null;
    }
}

public sealed record LoadSettings(
    int Rooms,
    IReadOnlyList<string> RoomNames,
    int Viewers,
    int Senders,
    double RatePerSecond,
    double WarmupSeconds,
    double DurationSeconds,
    int ContentBytes,
    bool Compress);

/// <summary>Latency percentiles in milliseconds.</summary>
public sealed record LatencySummary(long Count, double P50, double P90, double P99, double P999, double Max, double Mean)
{
    public static LatencySummary From(HistogramBase histogram) => histogram.TotalCount == 0
        ? new LatencySummary(0, 0, 0, 0, 0, 0, 0)
        : new LatencySummary(
            histogram.TotalCount,
            Ms(histogram.GetValueAtPercentile(50)),
            Ms(histogram.GetValueAtPercentile(90)),
            Ms(histogram.GetValueAtPercentile(99)),
            Ms(histogram.GetValueAtPercentile(99.9)),
            Ms(histogram.GetMaxValue()),
            Math.Round(histogram.GetMean() / 1000, 2));

    private static double Ms(long micros) => Math.Round(micros / 1000.0, 2);
}

/// <summary>CPU in cores (CPU seconds per wall second; 1.0 = one core busy) and memory in MiB over the measured window.</summary>
public sealed record ProcessUsage(string Name, int Pid, double CpuCores, double RssMiB, double PeakRssMiB);

/// <param name="MegabytesPerSecond">Wire bytes of the frames received; 0 for SignalR, whose client does not expose them.</param>
public sealed record RunSummary(
    double MeasuredSeconds,
    int ViewersConnected,
    int ViewersLive,
    long Sent,
    double SentPerSecond,
    long Deliveries,
    double DeliveriesPerSecond,
    double OfferedDeliveriesPerSecond,
    double DeliveryRatio,
    double FramesPerSecond,
    double MegabytesPerSecond,
    LatencySummary DeliveryLatencyMs,
    LatencySummary EndToEndLatencyMs,
    long Lost,
    long SampledOut,
    long MalformedFrames,
    long SendFailures,
    long SendsSkippedBusy,
    long ConnectFailures,
    IReadOnlyDictionary<string, long> ErrorFrames,
    IReadOnlyDictionary<string, long> Closes,
    ProcessUsage Client,
    double MachineCpuPercent,
    IReadOnlyList<ProcessUsage> Servers,
    bool Sustained,
    string Verdict,
    ReconnectSummary? Reconnects);

/// <summary>With --reconnect: the connections lost and back, and each return's times (Unix ms) for a reconnect curve.</summary>
public sealed record ReconnectSummary(long Lost, long Back, long StillDown, long FailedAttempts, long FirstConnectsFailed, long SamplesDropped,
    IReadOnlyList<ReconnectSample> Samples)
{
    public static ReconnectSummary From(ReconnectLog log) =>
        new(log.Lost, log.Back, log.Down, log.FailedAttempts, log.FirstConnectsFailed, log.SamplesDropped, log.Samples.OrderBy(s => s.BackAtUnixMs).ToList());
}

/// <summary>One second of the run (warm-up included, marked).</summary>
public sealed record TimelinePoint(
    double Second,
    bool Measuring,
    double SentPerSecond,
    double DeliveriesPerSecond,
    double P50Ms,
    double P99Ms,
    double MaxMs,
    long Lost,
    double ClientCpuCores,
    IReadOnlyDictionary<string, double> ServerCpuCores);
