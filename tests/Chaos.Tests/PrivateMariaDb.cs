using System.Diagnostics;
using System.Globalization;
using Live.Testing;
using MySqlConnector;

namespace Live.Chaos.Tests;

/// <summary>
/// A mariadbd of the test's own (own data directory, socket and loopback port, as ./platform starts the shared
/// one), so a scenario can kill and restart it without touching the MariaDB every other suite uses.
/// </summary>
public sealed class PrivateMariaDb : IAsyncDisposable
{
    private const string User = "live";
    private const string Password = "live";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly string directory;
    private Process? process;

    private PrivateMariaDb(string directory, int port)
    {
        this.directory = directory;
        Port = port;
    }

    public int Port { get; }

    public string ConnectionString(string database) =>
        $"Server=127.0.0.1;Port={Port.ToString(CultureInfo.InvariantCulture)};Database={database};User={User};Password={Password}";

    private string DataDirectory => Path.Combine(directory, "data");
    private string Socket => Path.Combine(directory, "mysqld.sock");

    /// <summary>Initialises a fresh data directory, starts the server and creates the <c>live</c> user.</summary>
    public static async Task<PrivateMariaDb> StartAsync()
    {
        var directory = Directory.CreateTempSubdirectory("live-chaos-mariadb-").FullName;
        var server = new PrivateMariaDb(directory, TestEnvironment.FreeTcpPort());
        try
        {
            await RunAsync("mariadb-install-db", "--no-defaults", "--datadir=" + server.DataDirectory, "--user=" + Environment.UserName,
                "--auth-root-authentication-method=socket", "--skip-test-db");
            await server.StartAgainAsync();
            await RunAsync("mariadb", "--no-defaults", "--protocol=socket", "--socket=" + server.Socket, "-u" + Environment.UserName, "-e",
                $"CREATE USER '{User}'@'127.0.0.1' IDENTIFIED BY '{Password}'; GRANT ALL PRIVILEGES ON *.* TO '{User}'@'127.0.0.1';");
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    public async Task CreateDatabaseAsync(string name)
    {
        await using var connection = new MySqlConnection(ConnectionString(""));
        await connection.OpenAsync();
        await using var command = new MySqlCommand($"CREATE DATABASE `{name}` CHARACTER SET utf8mb4", connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Starts mariadbd on the existing data directory and returns once it answers a query on its TCP port.</summary>
    public async Task StartAgainAsync()
    {
        var info = new ProcessStartInfo(MariadbdBinary) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[]
        {
            "--no-defaults", "--datadir=" + DataDirectory, "--user=" + Environment.UserName,
            "--port=" + Port.ToString(CultureInfo.InvariantCulture), "--bind-address=127.0.0.1", "--socket=" + Socket,
            "--pid-file=" + Path.Combine(directory, "mariadbd.pid"), "--log-error=" + Path.Combine(directory, "error.log"),
            "--skip-name-resolve", "--innodb-buffer-pool-size=32M", "--innodb-log-file-size=16M", "--innodb-flush-log-at-trx-commit=2",
            "--character-set-server=utf8mb4", "--collation-server=utf8mb4_unicode_ci",
        })
        {
            info.ArgumentList.Add(arg);
        }

        process = Process.Start(info) ?? throw new InvalidOperationException("mariadbd did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow + StartTimeout;
        while (!await AnswersAsync())
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"mariadbd did not become ready: {ReadErrorLog()}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>kill -9: the outage a crash or an OOM kill causes (InnoDB recovers on the next start).</summary>
    public async Task KillAsync()
    {
        if (process is { HasExited: false })
        {
            process.Kill();
            await process.WaitForExitAsync();
        }

        process?.Dispose();
        process = null;
    }

    /// <summary>SIGSTOP: the server keeps its sockets but answers nothing, as a hung host or a black-holed route looks.</summary>
    public Task FreezeAsync() => SignalAsync("-STOP");

    /// <summary>SIGCONT after <see cref="FreezeAsync"/>.</summary>
    public Task ThawAsync() => SignalAsync("-CONT");

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by the dying server: the temp directory is cleaned by the OS later.
        }
    }

    private Task SignalAsync(string signal) =>
        process is { HasExited: false } running
            ? RunAsync("kill", signal, running.Id.ToString(CultureInfo.InvariantCulture))
            : throw new InvalidOperationException("mariadbd is not running");

    private static string MariadbdBinary => File.Exists("/usr/sbin/mariadbd") ? "/usr/sbin/mariadbd" : "mariadbd";

    /// <summary>The server answers on its socket (as the OS user, like ./platform); it opens its TCP port at the same moment.</summary>
    private async Task<bool> AnswersAsync()
    {
        if (!File.Exists(Socket))
        {
            return false;
        }

        try
        {
            await RunAsync("mariadb", "--no-defaults", "--protocol=socket", "--socket=" + Socket, "-u" + Environment.UserName, "-e", "SELECT 1");
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private string ReadErrorLog()
    {
        var log = Path.Combine(directory, "error.log");
        return File.Exists(log) ? string.Join('\n', File.ReadLines(log).TakeLast(15)) : "(no error log)";
    }

    private static async Task RunAsync(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var run = Process.Start(info) ?? throw new InvalidOperationException(file + " did not start");
        var output = run.StandardOutput.ReadToEndAsync();
        var error = run.StandardError.ReadToEndAsync();
        await run.WaitForExitAsync();
        if (run.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} failed ({run.ExitCode}): {await error}{await output}");
        }
    }
}
