using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Live.Testing;

/// <summary>
/// Keeps every warning and error a host logs, so a test fixture can fail when an error nobody expected was
/// logged, even if every assertion passed.
/// </summary>
public sealed class LogCollector : ILoggerProvider
{
    private readonly ConcurrentQueue<LogEntry> entries = new();

    public IReadOnlyCollection<LogEntry> Entries => entries;

    public IEnumerable<LogEntry> Errors => entries.Where(e => e.Level >= LogLevel.Error && !IsClientReset(e));

    public ILogger CreateLogger(string categoryName) => new Collector(this, categoryName);

    /// <param name="expected">Errors a test causes on purpose (a dependency it stops), which do not count.</param>
    public void AssertNoErrors(Func<LogEntry, bool>? expected = null)
    {
        var errors = Errors.Where(e => expected is null || !expected(e)).ToList();
        if (errors.Count > 0)
        {
            // The warnings before an error usually say why it happened (a dropped connection, a retry).
            var warnings = entries.Where(e => e.Level == LogLevel.Warning).TakeLast(20);
            throw new Xunit.Sdk.XunitException("Unexpected errors were logged:\n" + string.Join("\n", errors)
                + "\nThe host's last warnings:\n" + string.Join("\n", warnings));
        }
    }

    public void Dispose()
    {
    }

    /// <summary>
    /// grpc-dotnet logs an error when a client resets a call while the server is still reading its request,
    /// e.g. an Edge cancelling a query as it shuts down. That is the client's decision, not a server fault.
    /// </summary>
    private static bool IsClientReset(LogEntry entry) =>
        entry.Category == "Grpc.AspNetCore.Server.ServerCallHandler"
        && entry.Exception is IOException { Message: "The client reset the request stream." };

    public sealed record LogEntry(LogLevel Level, string Category, EventId EventId, string Message, Exception? Exception)
    {
        public override string ToString() => $"[{Level}] {Category} ({EventId.Id}): {Message}{(Exception is null ? string.Empty : " — " + Exception.GetType().Name + ": " + Exception.Message)}";
    }

    private sealed class Collector(LogCollector owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                owner.entries.Enqueue(new LogEntry(logLevel, category, eventId, formatter(state, exception), exception));
            }
        }
    }
}
