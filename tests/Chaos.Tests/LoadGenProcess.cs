using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Live.Testing;
using Live.Tools.LoadGen.Reporting;

namespace Live.Chaos.Tests;

/// <summary>
/// A LoadGen (tools/LoadGen) as a process of its own, as the issue asks: its clients' sockets count against its
/// own open-files limit, not the test's. It runs with --until-stdin-closes; <see cref="FinishAsync"/> closes its
/// input, waits for its report and reads it. Its once-a-second lines tell whether it measures yet and, with
/// --reconnect, how many of its connections are down and how many came back.
/// </summary>
public sealed partial class LoadGenProcess : IAsyncDisposable
{
    private const int KeptLines = 30;
    private const int KeptNotices = 60;

    private readonly Process process;
    private readonly string reportPath;
    private readonly ConcurrentQueue<string> lastLines = new();
    private readonly ConcurrentQueue<string> notices = new();
    private long down = -1;
    private long back = -1;
    private volatile bool measuring;

    private LoadGenProcess(Process process, string reportPath)
    {
        this.process = process;
        this.reportPath = reportPath;
    }

    public bool Measuring => measuring;

    /// <summary>Connections lost and not live again, as its last line said; -1 before the first.</summary>
    public long Down => Interlocked.Read(ref down);

    /// <summary>Connections that were lost and are live again, as its last line said.</summary>
    public long Back => Interlocked.Read(ref back);

    /// <summary>Viewers that connected at the start, as it said; -1 before it said.</summary>
    public int Connected { get; private set; } = -1;

    public int Pid => process.Id;

    /// <summary>Its first lines other than the once-a-second ones (what it set up, connect failures), then its last lines.</summary>
    public string LastOutput => string.Join(Environment.NewLine, notices.Concat(["..."]).Concat(lastLines));

    /// <param name="arguments">LoadGen's options; --until-stdin-closes and --out are added.</param>
    public static LoadGenProcess Start(IEnumerable<string> arguments, string reportPath)
    {
        var dll = BuiltAssembly.PathOf("tools/LoadGen", "Live.LoadGen");
        var info = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
        };

        // The clients share the two cores with the servers they test: their thread pool's workers block at once
        // instead of spinning for work (as the services' do, Directory.Build.props), so thousands of clients waiting
        // out their backoff leave the CPU to the Edge that is starting.
        info.Environment["DOTNET_ThreadPool_UnfairSemaphoreSpinLimit"] = "0";
        info.ArgumentList.Add(dll);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.ArgumentList.Add("--until-stdin-closes");
        info.ArgumentList.Add("--out");
        info.ArgumentList.Add(reportPath);
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start " + dll);
        var started = new LoadGenProcess(process, reportPath);
        process.OutputDataReceived += (_, line) => started.Read(line.Data);
        process.ErrorDataReceived += (_, line) => started.Read(line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return started;
    }

    public async Task WaitUntilAsync(Func<LoadGenProcess, bool> condition, TimeSpan timeout, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition(this))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"LoadGen exited with {process.ExitCode} before {what}; its last output:{Environment.NewLine}{LastOutput}");
            }

            if (deadline.Elapsed > timeout)
            {
                throw new TimeoutException($"LoadGen: not {what} within {timeout.TotalSeconds:F0} s; its last output:{Environment.NewLine}{LastOutput}");
            }

            await Task.Delay(100);
        }
    }

    /// <returns>False when the condition did not hold within the timeout.</returns>
    public async Task<bool> TryWaitUntilAsync(Func<LoadGenProcess, bool> condition, TimeSpan timeout)
    {
        try
        {
            await WaitUntilAsync(condition, timeout, "there");
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>Ends the run (closes its input) and reads the report it writes.</summary>
    public async Task<RunReport> FinishAsync(TimeSpan timeout)
    {
        process.StandardInput.Close();
        using var patience = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(patience.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"LoadGen did not finish within {timeout.TotalSeconds:F0} s; its last output:{Environment.NewLine}{LastOutput}");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"LoadGen exited with {process.ExitCode}; its last output:{Environment.NewLine}{LastOutput}");
        }

        await using var file = File.OpenRead(reportPath);
        return await JsonSerializer.DeserializeAsync<RunReport>(file, RunReport.Json)
            ?? throw new InvalidOperationException($"{reportPath} holds no report");
    }

    private void Read(string? line)
    {
        if (line is null)
        {
            return;
        }

        lastLines.Enqueue(line);
        if (!line.StartsWith('[') && notices.Count < KeptNotices)
        {
            notices.Enqueue(line);
        }

        while (lastLines.Count > KeptLines)
        {
            lastLines.TryDequeue(out _);
        }

        if (line.Contains(" measure]", StringComparison.Ordinal))
        {
            measuring = true;
        }

        if (ConnectedLine().Match(line) is { Success: true } connected)
        {
            Connected = int.Parse(connected.Groups[1].Value, CultureInfo.InvariantCulture);
        }

        if (ConnectionsLine().Match(line) is { Success: true } match)
        {
            Interlocked.Exchange(ref down, long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture));
            Interlocked.Exchange(ref back, long.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture));
        }
    }

    [GeneratedRegex(@"^connected (\d+)/\d+ viewers")]
    private static partial Regex ConnectedLine();

    [GeneratedRegex(@"down (\d+) back (\d+)$")]
    private static partial Regex ConnectionsLine();

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
    }
}
