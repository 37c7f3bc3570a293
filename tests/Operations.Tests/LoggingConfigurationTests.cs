using Live.ServiceDefaults.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace Live.Operations.Tests;

/// <summary>Outside Development every service logs JSON lines carrying the trace and span ids (docs/operations.md, "Logs").</summary>
public sealed class LoggingConfigurationTests
{
    [Fact]
    public async Task ProductionLogsJsonWithTraceAndSpanIds()
    {
        await using var app = PlatformHost.CreateBuilder(["--environment", "Production"], "logging-test").Build();

        Assert.Equal(ConsoleFormatterNames.Json, app.Services.GetRequiredService<IOptionsMonitor<ConsoleLoggerOptions>>().CurrentValue.FormatterName);
        var json = app.Services.GetRequiredService<IOptionsMonitor<JsonConsoleFormatterOptions>>().CurrentValue;
        Assert.True(json.IncludeScopes);
        Assert.True(json.UseUtcTimestamp);
        var tracking = app.Services.GetRequiredService<IOptions<LoggerFactoryOptions>>().Value.ActivityTrackingOptions;
        Assert.True(tracking.HasFlag(ActivityTrackingOptions.TraceId) && tracking.HasFlag(ActivityTrackingOptions.SpanId));
    }

    [Fact]
    public async Task DevelopmentKeepsTheReadableFormatAndConfigurationMayChooseAnother()
    {
        await using (var development = PlatformHost.CreateBuilder(["--environment", "Development"], "logging-test").Build())
        {
            Assert.NotEqual(ConsoleFormatterNames.Json, development.Services.GetRequiredService<IOptionsMonitor<ConsoleLoggerOptions>>().CurrentValue.FormatterName);
        }

        await using var chosen = PlatformHost.CreateBuilder(["--environment", "Production", "--Logging:Console:FormatterName", "systemd"], "logging-test").Build();
        Assert.Equal(ConsoleFormatterNames.Systemd, chosen.Services.GetRequiredService<IOptionsMonitor<ConsoleLoggerOptions>>().CurrentValue.FormatterName);
    }
}
