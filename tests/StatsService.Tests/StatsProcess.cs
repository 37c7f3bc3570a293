using System.Diagnostics;
using Live.Testing;

namespace Live.StatsService.Tests;

/// <summary>
/// StatsService as a process of its own (the built Live.StatsService.dll), so a test can kill it outright —
/// between applying a batch and committing its offsets — which an in-process host cannot simulate.
/// </summary>
public sealed class StatsProcess : IAsyncDisposable
{
    private readonly Process process;

    private StatsProcess(Process process) => this.process = process;

    public static StatsProcess Start(IReadOnlyDictionary<string, string?> settings)
    {
        // tests/StatsService.Tests/bin/<Configuration>/net10.0 → src/StatsService/bin/<Configuration>/net10.0
        var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = testBin.Parent!.Name;
        var root = testBin.Parent!.Parent!.Parent!.Parent!.Parent!.FullName;
        var dll = Path.Combine(root, "src", "StatsService", "bin", configuration, "net10.0", "Live.StatsService.dll");
        var info = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(dll);
        foreach (var (key, value) in settings)
        {
            info.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        info.Environment["Kestrel__Endpoints__Grpc__Url"] = $"http://127.0.0.1:{TestEnvironment.FreeTcpPort()}";
        info.Environment["Kestrel__Endpoints__Http__Url"] = $"http://127.0.0.1:{TestEnvironment.FreeTcpPort()}";
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start " + dll);
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new StatsProcess(process);
    }

    /// <summary>SIGKILL: no shutdown hooks, no final commit.</summary>
    public async Task KillAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        process.Dispose();
    }
}
