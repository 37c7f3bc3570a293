using HdrHistogram;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Live.Tools.LoadGen.Clients;
using Live.Tools.LoadGen.Measurement;
using Live.Tools.LoadGen.Reporting;

namespace Live.Tools.LoadGen;

/// <summary>
/// One bounded run: connect the viewers, wait until all are live, send for warm-up + duration (or until standard
/// input closes) while a once-a-second reporter drains the latency shards and samples CPU/RSS, then close everything
/// and report.
/// </summary>
public static class LoadRun
{
    private static readonly TimeSpan LiveTimeout = TimeSpan.FromSeconds(30);

    public static async Task<RunReport> RunAsync(LoadOptions options, TextWriter log, CancellationToken cancellationToken)
    {
        var startedAt = DateTimeOffset.UtcNow;
        var loadBefore = ProcessStats.ReadLoadAverage();
        using var recorder = new LatencyRecorder();
        var counters = new LoadCounters();
        var reconnects = options.Reconnect ? new ReconnectLog() : null;
        await using IClientFactory clients = options.Target == LoadTarget.Edge
            ? new EdgeClients(options, recorder, counters, reconnects, log)
            : new SignalRClients(options, recorder, counters);
        await clients.SetupAsync(cancellationToken);

        var viewers = await ConnectAllAsync(options, clients, counters, log, cancellationToken);
        try
        {
            var live = await WaitLiveAsync(viewers, log);
            var senders = viewers.Where((_, i) => i < options.EffectiveSenders).ToArray();
            using var stdinClosed = new CancellationTokenSource();
            if (options.UntilStdinCloses)
            {
                _ = Task.Run(async () =>
                {
                    while (await Console.In.ReadLineAsync(cancellationToken) is not null)
                    {
                    }

                    await stdinClosed.CancelAsync();
                }, cancellationToken);
            }

            var measurement = await MeasureAsync(options, viewers, senders, recorder, counters, reconnects,
                options.UntilStdinCloses ? stdinClosed.Token : null, log, cancellationToken);
            var path = options.Target == LoadTarget.SignalR ? "signalr" : options.Proxy is null ? "edge-direct" : "edge-via-proxy";
            var summary = Summarize(options, measurement, counters, reconnects, viewers.Count, live);
            return new RunReport(options.Label, options.Target.ToString().ToLowerInvariant(), path, startedAt, MachineInfo.Read(),
                new LoadSettings(options.Rooms, clients.RoomNames, options.Viewers, senders.Length, options.Rate, options.WarmupSeconds,
                    options.DurationSeconds, options.ContentBytes, options.Compress),
                loadBefore, ProcessStats.ReadLoadAverage(), summary, measurement.Timeline);
        }
        finally
        {
            await Parallel.ForEachAsync(viewers, new ParallelOptions { MaxDegreeOfParallelism = 64 }, (viewer, _) => viewer.DisposeAsync());
        }
    }

    public static async Task WriteAsync(RunReport report, string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        await using var file = File.Create(path);
        await JsonSerializer.SerializeAsync(file, report, RunReport.Json);
    }

    public static string Describe(RunReport report)
    {
        var s = report.Summary;
        var servers = string.Join(", ", s.Servers.Select(p => $"{p.Name} {p.CpuCores:0.00} cores {p.RssMiB:0} MiB"));
        return string.Create(CultureInfo.InvariantCulture, $"""
            {report.Label} ({report.Path}): {report.Load.Viewers} viewers in {report.Load.Rooms} room(s), {report.Load.Senders} senders at {report.Load.RatePerSecond:0} msg/s
              sent {s.SentPerSecond:N0}/s, deliveries {s.DeliveriesPerSecond:N0}/s of {s.OfferedDeliveriesPerSecond:N0}/s offered ({s.DeliveryRatio:P1}), {s.FramesPerSecond:N0} frames/s{(s.MegabytesPerSecond > 0 ? $", {s.MegabytesPerSecond:0.0} MB/s" : "")}
              latency (server timestamp) p50 {s.DeliveryLatencyMs.P50} ms, p99 {s.DeliveryLatencyMs.P99} ms, p99.9 {s.DeliveryLatencyMs.P999} ms, max {s.DeliveryLatencyMs.Max} ms
              end-to-end (sender clock)  p50 {s.EndToEndLatencyMs.P50} ms, p99 {s.EndToEndLatencyMs.P99} ms, p99.9 {s.EndToEndLatencyMs.P999} ms
              lost {s.Lost}, sampled out {s.SampledOut}, errors {Join(s.ErrorFrames)}, closes {Join(s.Closes)}, connect failures {s.ConnectFailures}, sends skipped (busy) {s.SendsSkippedBusy}
              client {s.Client.CpuCores:0.00} cores {s.Client.RssMiB:0} MiB; {servers}; machine CPU {s.MachineCpuPercent:0}%; load {report.LoadAverageBefore[0]:0.00} -> {report.LoadAverageAfter[0]:0.00}
              {(s.Sustained ? "SUSTAINED" : "NOT SUSTAINED")}: {s.Verdict}
            """);
    }

    private static string Join(IReadOnlyDictionary<string, long> counts) =>
        counts.Count == 0 ? "0" : string.Join(" ", counts.Select(p => $"{p.Key}:{p.Value}"));

    private static async Task<List<IViewer>> ConnectAllAsync(LoadOptions options, IClientFactory clients, LoadCounters counters, TextWriter log,
        CancellationToken cancellationToken)
    {
        var placement = options.Placement();
        var connected = new IViewer?[options.Viewers];
        var done = 0;
        var reported = 0;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(options.ConnectTimeoutSeconds));
        var started = Stopwatch.GetTimestamp();
        using var progress = new Timer(_ => log.WriteLine($"connecting: {Volatile.Read(ref done)}/{options.Viewers}"), null,
            TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        // The pacer heartbeats once everyone is connected; a connect phase longer than the Edge's idle timeout (tens of
        // thousands of connections on a busy machine) would otherwise lose the first ones, so they heartbeat meanwhile.
        using var heartbeats = new Timer(_ =>
        {
            foreach (var viewer in connected)
            {
                viewer?.SendHeartbeat();
            }
        }, null, SendPacer.HeartbeatInterval, SendPacer.HeartbeatInterval);
        try
        {
            await Parallel.ForEachAsync(Enumerable.Range(0, options.Viewers),
                new ParallelOptions { MaxDegreeOfParallelism = options.ConnectConcurrency, CancellationToken = timeout.Token },
                async (i, ct) =>
                {
                    try
                    {
                        connected[i] = await clients.ConnectAsync(i, placement.RoomOf[i], i < placement.Senders, ct);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
                    {
                        counters.ConnectFailed();
                        if (Interlocked.Increment(ref reported) <= 5)
                        {
                            log.WriteLine($"viewer {i} failed to connect: {ex.GetBaseException().Message}");
                        }
                    }

                    Interlocked.Increment(ref done);
                });
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            log.WriteLine($"connecting took longer than {options.ConnectTimeoutSeconds} s; running with those connected");
        }

        var viewers = connected.Where(v => v is not null).Select(v => v!).ToList();
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        log.WriteLine(FormattableString.Invariant($"connected {viewers.Count}/{options.Viewers} viewers in {seconds:F1} s ({viewers.Count / seconds:N0}/s)"));
        if (viewers.Count == 0)
        {
            // A run with nobody connected measures nothing; say so now instead of after the warm-up and duration.
            throw new InvalidOperationException("no viewer connected; the first failures are above.");
        }

        return viewers;
    }

    private static async Task<int> WaitLiveAsync(List<IViewer> viewers, TextWriter log)
    {
        try
        {
            await Task.WhenAll(viewers.Select(v => v.Live)).WaitAsync(LiveTimeout);
        }
        catch (Exception ex) when (ex is TimeoutException or InvalidOperationException)
        {
            // Counted below; a viewer that never got live receives nothing and shows as a shortfall.
        }

        var live = viewers.Count(v => v.Live.IsCompletedSuccessfully);
        log.WriteLine($"{live}/{viewers.Count} viewers live");
        return live;
    }

    private sealed record Measurement(
        IntervalTally Total,
        double Seconds,
        long Sent,
        double OfferedDeliveries,
        TimeSpan ClientCpu,
        long ClientRss,
        long ClientPeakRss,
        double MachineCpuPercent,
        IReadOnlyList<ProcessUsage> Servers,
        IReadOnlyList<TimelinePoint> Timeline);

    /// <param name="until">Measures until this is cancelled instead of for the duration; null: for the duration.</param>
    private static async Task<Measurement> MeasureAsync(LoadOptions options, List<IViewer> viewers, IViewer[] senders, LatencyRecorder recorder,
        LoadCounters counters, ReconnectLog? reconnects, CancellationToken? until, TextWriter log, CancellationToken cancellationToken)
    {
        var viewersPerRoom = new int[options.Rooms];
        foreach (var viewer in viewers)
        {
            viewersPerRoom[viewer.RoomIndex]++;
        }

        var pacer = new SendPacer(senders, viewers, options.Rate, options.Rooms, counters);
        var warmupTicks = (int)Math.Ceiling(options.WarmupSeconds);
        var totalTicks = warmupTicks + (int)Math.Ceiling(options.DurationSeconds);
        var total = new IntervalTally();
        var interval = new IntervalTally();
        var timeline = new List<TimelinePoint>();
        var self = Environment.ProcessId;

        // Window start values (taken at the end of the warm-up).
        long[] sentAtStart = [];
        var windowStart = 0L;
        ProcessSample? clientAtStart = null;
        var serversAtStart = new Dictionary<string, ProcessSample?>();
        var machineAtStart = (Busy: 0L, Total: 0L);

        var previousTick = Stopwatch.GetTimestamp();
        var previousSent = 0L;
        var previousClient = ProcessStats.Read(self);
        var previousServers = options.Servers.ToDictionary(s => s.Name, s => ProcessStats.Read(s.Pid));

        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        pacer.Start();
        try
        {
            if (warmupTicks == 0)
            {
                Start();
            }

            for (var tick = 1; (until is { } end ? !end.IsCancellationRequested || tick <= warmupTicks : tick <= totalTicks)
                && await timer.WaitForNextTickAsync(cancellationToken); tick++)
            {
                var now = Stopwatch.GetTimestamp();
                var seconds = Stopwatch.GetElapsedTime(previousTick, now).TotalSeconds;
                previousTick = now;
                interval.Reset();
                recorder.DrainInto(interval);
                var measuring = tick > warmupTicks;
                if (measuring)
                {
                    interval.AddTo(total);
                }

                var sent = counters.Sent;
                var client = ProcessStats.Read(self);
                var serverCpu = new Dictionary<string, double>();
                foreach (var server in options.Servers)
                {
                    var sample = ProcessStats.Read(server.Pid);
                    serverCpu[server.Name] = Cores(previousServers[server.Name], sample, seconds);
                    previousServers[server.Name] = sample;
                }

                var point = new TimelinePoint(tick, measuring, Math.Round((sent - previousSent) / seconds, 1), Math.Round(interval.Deliveries / seconds, 1),
                    Percentile(interval.Delivery, 50), Percentile(interval.Delivery, 99), Percentile(interval.Delivery, 100),
                    interval.Lost, Cores(previousClient, client, seconds), serverCpu);
                timeline.Add(point);
                previousSent = sent;
                previousClient = client;
                log.WriteLine(Progress(point, tick, measuring, reconnects));

                if (tick == warmupTicks)
                {
                    Start();
                }
            }
        }
        finally
        {
            pacer.Stop();
        }

        var elapsed = Stopwatch.GetElapsedTime(windowStart).TotalSeconds;
        var sentAtEnd = pacer.SentPerRoom();
        double offered = 0;
        long sentInWindow = 0;
        for (var room = 0; room < options.Rooms; room++)
        {
            var inRoom = sentAtEnd[room] - sentAtStart[room];
            sentInWindow += inRoom;
            offered += (double)inRoom * viewersPerRoom[room];
        }

        var clientAtEnd = ProcessStats.Read(self);
        var machineAtEnd = ProcessStats.ReadMachineCpu();
        var servers = options.Servers.Select(server =>
        {
            var end = ProcessStats.Read(server.Pid);
            return new ProcessUsage(server.Name, server.Pid, Cores(serversAtStart[server.Name], end, elapsed), MiB(end?.RssBytes), MiB(end?.PeakRssBytes));
        }).ToList();
        var machineTotal = machineAtEnd.Total - machineAtStart.Total;
        return new Measurement(total, elapsed, sentInWindow, offered / elapsed, (clientAtEnd?.Cpu ?? default) - (clientAtStart?.Cpu ?? default),
            clientAtEnd?.RssBytes ?? 0, clientAtEnd?.PeakRssBytes ?? 0,
            machineTotal == 0 ? 0 : Math.Round(100.0 * (machineAtEnd.Busy - machineAtStart.Busy) / machineTotal, 1), servers, timeline);

        void Start()
        {
            windowStart = Stopwatch.GetTimestamp();
            sentAtStart = pacer.SentPerRoom();
            clientAtStart = ProcessStats.Read(self);
            machineAtStart = ProcessStats.ReadMachineCpu();
            foreach (var server in options.Servers)
            {
                serversAtStart[server.Name] = ProcessStats.Read(server.Pid);
            }
        }
    }

    private static RunSummary Summarize(LoadOptions options, Measurement m, LoadCounters counters, ReconnectLog? reconnects, int connected, int live)
    {
        var total = m.Total;
        var deliveryLatency = LatencySummary.From(total.Delivery);
        var deliveriesPerSecond = total.Deliveries / m.Seconds;
        var ratio = m.OfferedDeliveries == 0 ? 0 : deliveriesPerSecond / m.OfferedDeliveries;
        var sentPerSecond = m.Sent / m.Seconds;
        var shortfalls = new List<string>();
        if (sentPerSecond < 0.98 * options.Rate)
        {
            shortfalls.Add($"sent {sentPerSecond:0}/s of {options.Rate:0}/s");
        }

        if (ratio < 0.98)
        {
            shortfalls.Add($"delivered {ratio:P1} of what was offered");
        }

        if (deliveryLatency.P99 > options.LatencyBudgetMs)
        {
            shortfalls.Add($"p99 {deliveryLatency.P99} ms > {options.LatencyBudgetMs} ms");
        }

        if (total.Lost > 0 || counters.CloseCount > 0 || counters.ConnectFailures > 0 || live < options.Viewers)
        {
            shortfalls.Add($"lost {total.Lost}, closes {counters.CloseCount}, live {live}/{options.Viewers}");
        }

        var verdict = shortfalls.Count == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{deliveriesPerSecond:N0} deliveries/s at p99 {deliveryLatency.P99} ms ≤ {options.LatencyBudgetMs} ms, nothing lost")
            : string.Join("; ", shortfalls);
        return new RunSummary(
            Math.Round(m.Seconds, 2), connected, live, m.Sent, Math.Round(sentPerSecond, 1), total.Deliveries, Math.Round(deliveriesPerSecond, 1),
            Math.Round(m.OfferedDeliveries, 1), Math.Round(ratio, 4), Math.Round(total.Frames / m.Seconds, 1),
            Math.Round(total.Bytes / m.Seconds / 1_000_000, 2), deliveryLatency, LatencySummary.From(total.EndToEnd),
            total.Lost, total.SampledOut, counters.MalformedFrames, counters.SendFailures, counters.SendsSkippedBusy, counters.ConnectFailures,
            counters.ErrorFrames, counters.Closes,
            new ProcessUsage("loadgen", Environment.ProcessId, Math.Round(m.ClientCpu.TotalSeconds / m.Seconds, 2), MiB(m.ClientRss), MiB(m.ClientPeakRss)),
            m.MachineCpuPercent, m.Servers, shortfalls.Count == 0, verdict, reconnects is null ? null : ReconnectSummary.From(reconnects));
    }

    private static string Progress(TimelinePoint p, int tick, bool measuring, ReconnectLog? reconnects)
    {
        var servers = string.Join(" ", p.ServerCpuCores.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Key} {s.Value:0.00}")));
        var connections = reconnects is null ? "" : $"  down {reconnects.Down} back {reconnects.Back}";
        return string.Create(CultureInfo.InvariantCulture,
            $"[{tick,4}s {(measuring ? "measure" : "warm-up")}] sent {p.SentPerSecond,7:N0}/s  deliveries {p.DeliveriesPerSecond,11:N0}/s  p50 {p.P50Ms,7:0.0} ms  p99 {p.P99Ms,7:0.0} ms  max {p.MaxMs,7:0.0} ms  lost {p.Lost}  cpu: loadgen {p.ClientCpuCores:0.00} {servers}{connections}");
    }

    private static double Cores(ProcessSample? from, ProcessSample? to, double seconds) =>
        from is { } a && to is { } b && seconds > 0 ? Math.Round((b.Cpu - a.Cpu).TotalSeconds / seconds, 2) : 0;

    /// <summary>In ms; 0 for an empty interval (HdrHistogram throws on those).</summary>
    private static double Percentile(LongHistogram histogram, double percentile) =>
        histogram.TotalCount == 0 ? 0 : Math.Round(histogram.GetValueAtPercentile(percentile) / 1000.0, 1);

    private static double MiB(long? bytes) => Math.Round((bytes ?? 0) / 1024.0 / 1024.0, 1);
}
