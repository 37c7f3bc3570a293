using System.Diagnostics;
using System.Text.Json;
using Grpc.Core;

namespace Live.Proxy.Tests;

/// <summary>
/// The buf CLI pinned in tools/buf (`./platform` runs npm ci there), run from the repository root as the README
/// runs it, so `--schema protos` means the repository's protos/.
/// </summary>
public static class BufCli
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    public static string Executable { get; } = Path.Combine(ServiceConfiguration.RepoRoot, "tools", "buf", "node_modules", ".bin", "buf");

    /// <summary>buf curl speaking gRPC over cleartext HTTP/2 (h2c), as the services' internal ports need.</summary>
    public static Task<BufResult> CurlH2cAsync(params string[] args) =>
        RunAsync(["curl", "--protocol", "grpc", "--http2-prior-knowledge", .. args]);

    public static async Task<BufResult> RunAsync(IReadOnlyList<string> args, string? stdin = null)
    {
        if (!File.Exists(Executable))
        {
            throw new InvalidOperationException($"{Executable} is missing: ./platform test (or up, or deps) installs buf with npm ci in tools/buf.");
        }

        var start = new ProcessStartInfo(Executable)
        {
            WorkingDirectory = ServiceConfiguration.RepoRoot,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // Plain messages on stderr; buf's module cache under the test's temp directory, not the user's home.
        start.Environment["BUF_LOG_FORMAT"] = "text";
        start.Environment["BUF_CACHE_DIR"] = Path.Combine(Path.GetTempPath(), "live-proxy-tests-buf-cache");

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + Executable);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }

        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"buf {string.Join(' ', args)} did not finish within {Timeout.TotalSeconds:0} s");
        }

        return new BufResult(process.ExitCode, await output, await error);
    }
}

/// <param name="ExitCode">0, a usage or connection failure below 8, or a gRPC status code shifted left by three.</param>
public sealed record BufResult(int ExitCode, string Output, string Error)
{
    /// <summary>The response message, which buf prints as proto3 JSON.</summary>
    public JsonElement Json
    {
        get
        {
            Assert.True(ExitCode == 0, $"buf exited with {ExitCode}: {Error}");
            return JsonDocument.Parse(Output).RootElement;
        }
    }

    public IReadOnlyList<string> Lines => Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>The gRPC status of a failed call: buf's exit code is the code shifted left by three.</summary>
    public StatusCode Status => (StatusCode)(ExitCode >> 3);

    /// <summary>The error buf printed for a failed call: {"code": "failed_precondition", "message": "..."}.</summary>
    public (string Code, string Message) RpcError
    {
        get
        {
            Assert.True(ExitCode >= 8, $"buf exited with {ExitCode}, not with a gRPC status: {Error}");
            var error = JsonDocument.Parse(Error).RootElement;
            return (error.GetProperty("code").GetString()!, error.TryGetProperty("message", out var message) ? message.GetString()! : string.Empty);
        }
    }
}
