using System.Diagnostics;

namespace Live.Testing;

/// <summary>
/// A service as a process of its own (its built assembly under src/), so a test can kill it outright (SIGKILL) —
/// between one durable step and the next — which an in-process host cannot simulate.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private const int KeptLines = 40;

    private readonly Process process;
    private const int KeptWarnings = 200;

    private readonly System.Collections.Concurrent.ConcurrentQueue<string> lastLines = new();
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> warnings = new();

    private ServiceProcess(Process process, Uri grpcAddress, Uri httpAddress)
    {
        this.process = process;
        GrpcAddress = grpcAddress;
        HttpAddress = httpAddress;
    }

    public Uri GrpcAddress { get; }
    public Uri HttpAddress { get; }

    /// <param name="project">The folder under src/ (e.g. "StatsService").</param>
    /// <param name="assembly">Its assembly's name (e.g. "Live.StatsService").</param>
    /// <param name="httpAddress">Where its HTTP endpoint listens (a restarted service takes its predecessor's); null: a free port.</param>
    public static ServiceProcess Start(string project, string assembly, IReadOnlyDictionary<string, string?> settings, Uri? httpAddress = null)
    {
        var dll = BuiltAssembly.PathOf("src/" + project, assembly);
        var info = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(dll);
        foreach (var (key, value) in settings)
        {
            info.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var grpc = new Uri($"http://127.0.0.1:{TestEnvironment.FreeTcpPort()}");
        var http = httpAddress ?? new Uri($"http://127.0.0.1:{TestEnvironment.FreeTcpPort()}");
        info.Environment["Kestrel__Endpoints__Grpc__Url"] = grpc.ToString();
        info.Environment["Kestrel__Endpoints__Http__Url"] = http.ToString();
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start " + dll);
        var started = new ServiceProcess(process, grpc, http);
        process.OutputDataReceived += (_, line) => started.Keep(line.Data);
        process.ErrorDataReceived += (_, line) => started.Keep(line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return started;
    }

    /// <summary>The last lines the process wrote (stdout and stderr), for a failure's message.</summary>
    public string LastOutput => string.Join(Environment.NewLine, lastLines);

    /// <summary>The first log lines (JSON console) at warning level or above, for what a test asserts the service reported.</summary>
    public IReadOnlyCollection<string> Warnings => warnings;

    /// <summary>Waits until /health/ready answers 200 (the process bound its ports and reached its dependencies).</summary>
    public async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { BaseAddress = HttpAddress, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"the service process exited with {process.ExitCode} while starting; its last output:{Environment.NewLine}{LastOutput}");
            }

            try
            {
                if ((await http.GetAsync("/health/ready")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the service process was not ready within {timeout.TotalSeconds:F0} s");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>SIGTERM, as an orchestrator stops a pod: the service shuts down gracefully; SIGKILL if it has not exited in time.</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        if (process.HasExited)
        {
            return;
        }

        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var patience = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(patience.Token);
        }
        catch (OperationCanceledException)
        {
            await KillAsync();
            throw new TimeoutException($"the service did not stop within {timeout.TotalSeconds:F0} s of SIGTERM; killed. Its last output:{Environment.NewLine}{LastOutput}");
        }
    }

    /// <summary>SIGKILL: no shutdown hooks, nothing flushed.</summary>
    public async Task KillAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lastLines.Enqueue(line);
        while (lastLines.Count > KeptLines)
        {
            lastLines.TryDequeue(out _);
        }

        if (warnings.Count < KeptWarnings && line.Contains("\"LogLevel\":\"", StringComparison.Ordinal) && !line.Contains("\"LogLevel\":\"Information\"", StringComparison.Ordinal)
            && !line.Contains("\"LogLevel\":\"Debug\"", StringComparison.Ordinal) && !line.Contains("\"LogLevel\":\"Trace\"", StringComparison.Ordinal))
        {
            warnings.Enqueue(line);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        process.Dispose();
    }
}
