using System.Diagnostics;
using System.Globalization;
using Grpc.Net.Client;
using Live.Realtime.Tests;
using Live.Testing;
using Live.Tools.LoadGen.Reporting;
using Live.V1;

namespace Live.Chaos.Tests;

/// <summary>
/// Scenario 5: an Edge (a process of its own) holding 10,000 viewers (half signed in, half guests) in four rooms, spread over four
/// LoadGen processes, is restarted as an orchestrator restarts a pod (SIGTERM, then a new process on the same
/// address) while senders keep the rooms busy. The viewers come back as the SDK's clients do — full-jitter
/// backoff, resume with last_seq and epoch — and the test holds the promise: 99 % of them live again within 30 s
/// of the SIGTERM (the restart's own drain and start-up included), every one back, nothing lost or skipped without being told, no error in any service's log, and
/// RoomService and MessageService see batched and coalesced calls, not one per returning client.
/// </summary>
public sealed class EdgeRestartTests : IAsyncLifetime
{
    private const int LoadProcesses = 4;
    private const int ViewersPerProcess = 2_500;
    private const int Viewers = LoadProcesses * ViewersPerProcess;
    private const int Rooms = 4;

    /// <summary>The first two LoadGens' viewers are signed in (their joins reach RoomService, each lists its inbox), the others' are guests: an audience mixes both.</summary>
    private const int SignedInProcesses = 2;

    private static readonly TimeSpan ReturnPromise = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    private RealtimeCluster cluster = null!;
    private TestHost messages = null!;
    private readonly string workDirectory = Directory.CreateTempSubdirectory("chaos-edge-restart-").FullName;

    public async Task InitializeAsync()
    {
        cluster = await new RealtimeClusterBuilder("chaos_edge_restart").WithNodes(0).StartAsync();
        messages = await cluster.StartMessageServiceAsync();
    }

    public async Task DisposeAsync()
    {
        await messages.DisposeAsync();
        await cluster.DisposeAsync();
        messages.Logs.AssertNoErrors();
        Directory.Delete(workDirectory, recursive: true);
    }

    [Fact(Timeout = 300_000)]
    public async Task An_Edge_restarted_under_10_000_viewers_has_99_percent_of_them_back_within_30_s_of_the_SIGTERM_and_loses_nothing()
    {
        var secretFile = Path.Combine(workDirectory, "proxy-secret");
        await File.WriteAllTextAsync(secretFile, RealtimeCluster.ProxySecret);
        var edgeAddress = new Uri($"http://127.0.0.1:{TestEnvironment.FreeTcpPort()}");
        var edgeSettings = cluster.EdgeSettings(messages.GrpcAddress);
        var edge = ServiceProcess.Start("Edge", "Live.Edge", edgeSettings, edgeAddress);
        await using var firstEdge = edge;
        await edge.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
        var roomIds = await OpenRoomsAsync();

        var loads = Enumerable.Range(0, LoadProcesses).Select(i => LoadGenProcess.Start(
        [
            "--edge", $"ws://127.0.0.1:{edgeAddress.Port}", "--room-ids", string.Join(',', roomIds), "--rooms", Rooms.ToString(CultureInfo.InvariantCulture),
            "--viewers", ViewersPerProcess.ToString(CultureInfo.InvariantCulture), "--senders", Rooms.ToString(CultureInfo.InvariantCulture), "--rate", "1",
            "--first-user-id", (800_000_000 + i * 100_000).ToString(CultureInfo.InvariantCulture), "--proxy-secret-file", secretFile,
            "--reconnect", "--warmup", "2", "--connect-concurrency", "64", "--label", $"edge-restart-{i}",
            .. i < SignedInProcesses ? ["--signed-viewers"] : Array.Empty<string>(),
        ], Path.Combine(workDirectory, $"loadgen-{i}.json"))).ToList();
        try
        {
            await Task.WhenAll(loads.Select(l => l.WaitUntilAsync(p => p.Measuring, Patience, "measuring (every viewer live)")));
            Assert.All(loads, l => Assert.True(l.Connected == ViewersPerProcess, $"LoadGen connected {l.Connected} of {ViewersPerProcess}:{Environment.NewLine}{l.LastOutput}"));
            using var calls = new GrpcCallCounter();
            await Task.Delay(1_000);

            var cutAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var restart = Stopwatch.StartNew();
            await edge.StopAsync(TimeSpan.FromSeconds(30));
            var stopped = restart.Elapsed;
            await using var secondEdge = ServiceProcess.Start("Edge", "Live.Edge", edgeSettings, edgeAddress);
            await secondEdge.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
            var ready = restart.Elapsed;

            // Waited for without failing, so that a run where some never return still reports what happened.
            var everyoneBack = await Task.WhenAll(loads.Select(l => l.TryWaitUntilAsync(p => p.Down == 0 && p.Back >= ViewersPerProcess, Patience)));
            var allBack = restart.Elapsed;

            // A few seconds of traffic after the return, so a viewer that resumed at the wrong place would show a gap.
            await Task.Delay(3_000);
            var reports = await Task.WhenAll(loads.Select(l => l.FinishAsync(TimeSpan.FromSeconds(60))));
            Report(cutAt, stopped, ready, allBack, calls, reports, secondEdge);
            Assert.True(everyoneBack.All(back => back), "not every viewer was back within " + Patience.TotalSeconds + " s: "
                + string.Join(", ", reports.Select(r => $"{r.Label} still down {r.Summary.Reconnects!.StillDown}, closes {string.Join(" ", r.Summary.Closes)}")));

            var returns = reports.SelectMany(r => r.Summary.Reconnects!.Samples).Select(s => s.BackAtUnixMs - cutAt).Order().ToArray();
            Assert.Equal(Viewers, reports.Sum(r => r.Summary.Reconnects!.Lost));
            Assert.All(reports, r => Assert.Equal(0, r.Summary.Reconnects!.StillDown));
            Assert.Equal(Viewers, returns.Length);
            // From the SIGTERM: the old Edge's drain and the new one's start-up, on the two cores the 10,000 clients
            // share, are part of what a viewer waits.
            var p99 = TimeSpan.FromMilliseconds(Percentile(returns, 0.99));
            Assert.True(p99 <= ReturnPromise, $"99 % of the viewers were back only {p99.TotalSeconds:F1} s after the SIGTERM (promise: {ReturnPromise.TotalSeconds} s; the new Edge was ready after {ready.TotalSeconds:F1} s)");

            // Resumed from history: nothing skipped, nothing even told as lost (the outage is far inside the history).
            Assert.All(reports, r => Assert.Equal(0, r.Summary.Lost));
            Assert.All(reports, r => Assert.Empty(r.Summary.ErrorFrames));
            Assert.All(reports, r => Assert.All(r.Summary.Closes.Keys, code => Assert.Contains(code, new[] { "1001", "1006" })));
            foreach (var (name, process) in new[] { ("stopped", firstEdge), ("new", secondEdge) })
            {
                var errors = Errors(process).ToList();
                Assert.True(errors.Count == 0, $"the {name} Edge logged {errors.Count} error(s):{Environment.NewLine}{string.Join(Environment.NewLine, errors)}");
            }

            // Batched joins: one ApplyViewerChanges per flush, never a JoinRoom per viewer.
            var backSeconds = (allBack - stopped).TotalSeconds;
            var flushes = backSeconds * 1000 / double.Parse(edgeSettings["Edge:ViewerFlushIntervalMs"]!, CultureInfo.InvariantCulture);
            Assert.Equal(0, calls.Total("JoinRoom"));
            Assert.True(calls.Total("ApplyViewerChanges") <= flushes + Viewers / 500 + 10,
                $"{calls.Total("ApplyViewerChanges")} ApplyViewerChanges calls for {Viewers} returning viewers in {backSeconds:F1} s");

        }
        finally
        {
            foreach (var load in loads)
            {
                await load.DisposeAsync();
            }
        }
    }

    private async Task<long[]> OpenRoomsAsync()
    {
        using var channel = GrpcChannel.ForAddress(cluster.Rooms.GrpcAddress);
        var rooms = new RoomServiceClient(channel);
        var ids = new long[Rooms];
        for (var i = 0; i < Rooms; i++)
        {
            var room = await rooms.CreateRoomAsync(new CreateRoomRequest { AnchorUserId = 701 + i, Title = $"edge restart {i + 1}", Category = "chat" });
            await rooms.StartLiveAsync(new StartLiveRequest { RoomId = room.Id });
            ids[i] = room.Id;
        }

        return ids;
    }

    private static IEnumerable<string> Errors(ServiceProcess edge) => edge.Warnings.Where(line =>
        line.Contains("\"LogLevel\":\"Error\"", StringComparison.Ordinal) || line.Contains("\"LogLevel\":\"Critical\"", StringComparison.Ordinal));

    private static double Percentile(long[] sorted, double share) => sorted[Math.Max(0, (int)Math.Ceiling(share * sorted.Length) - 1)];

    private static void Report(long cutAt, TimeSpan stopped, TimeSpan ready, TimeSpan allBack, GrpcCallCounter calls, RunReport[] reports, ServiceProcess newEdge)
    {
        var returns = reports.SelectMany(r => r.Summary.Reconnects!.Samples).Select(s => s.BackAtUnixMs - cutAt).Order().ToArray();
        string Seconds(double ms) => (ms / 1000).ToString("F2", CultureInfo.InvariantCulture) + " s";
        Figures.Record("edge restart: old Edge stopped after", stopped);
        Figures.Record("edge restart: new Edge ready after", ready);
        Figures.Record("edge restart: every viewer back after", allBack);
        Figures.Record("edge restart: the new Edge's warnings by event id", string.Join(" ", newEdge.Warnings
            .Select(line => System.Text.RegularExpressions.Regex.Match(line, "\"EventId\":(\\d+)").Groups[1].Value).GroupBy(id => id).Select(g => $"{g.Key}:{g.Count()}")));
        Figures.Record("edge restart: returns (a viewer may return more than once)", returns.Length.ToString(CultureInfo.InvariantCulture));
        Figures.Record("edge restart: closes seen by the viewers", string.Join(" ", reports.SelectMany(r => r.Summary.Closes)
            .GroupBy(c => c.Key).Select(g => $"{g.Key}:{g.Sum(c => c.Value)}")));
        if (returns.Length == 0)
        {
            return;
        }

        Figures.Record("edge restart: viewers back after the cut, first/p50/p90/p99/max",
            string.Join(" / ", new[] { 0.0, 0.5, 0.9, 0.99, 1.0 }.Select(p => Seconds(Percentile(returns, p)))));
        Figures.Record("edge restart: 99 % back after the new Edge was ready", Seconds(Percentile(returns, 0.99) - ready.TotalMilliseconds));
        Figures.Record("edge restart: reconnect attempts refused while the Edge was away",
            reports.Sum(r => r.Summary.Reconnects!.FailedAttempts).ToString(CultureInfo.InvariantCulture));
        Figures.Record("edge restart: calls during the return (total, peak per second)", string.Join(", ",
            new[] { "ApplyViewerChanges", "GetHistory", "GetRoom", "ListInbox", "Relay" }.Select(m => $"{m} {calls.Total(m)} ({calls.PeakPerSecond(m)}/s)")));

        // The reconnect curve (share of viewers back against seconds after the cut) for docs/reliability.md's plot
        // (node perf/plot-reconnect.mjs <this file> <svg>).
        var curve = Enumerable.Range(0, 201).Select(i => new
        {
            seconds = returns[Math.Min(returns.Length - 1, (int)((long)i * (returns.Length - 1) / 200))] / 1000.0,
            share = i / 200.0,
        });
        var figure = new
        {
            viewers = returns.Length,
            stoppedSeconds = stopped.TotalSeconds,
            readySeconds = ready.TotalSeconds,
            loadAverage = File.ReadAllText("/proc/loadavg").Split(' ')[0],
            curve,
        };
        File.WriteAllText(Path.Combine(AppContext.BaseDirectory, "edge-restart-curve.json"), System.Text.Json.JsonSerializer.Serialize(figure));
    }
}
