using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Live.ServiceDefaults.Hosting;

/// <summary>
/// Runs the readiness checks of the process's dependencies (redis, mysql, kafka, ...) every
/// <c>Telemetry:DependencyCheckIntervalMs</c> and exports <c>live.dependency.up</c> (1 reachable, 0 not, by
/// dependency), so an outage is a metric to alert on rather than a readiness probe nobody reads. The checks are
/// run directly, not through the health check service, so a failing one is logged once when it starts failing
/// (a warning) and once when it recovers, not on every round.
/// </summary>
internal sealed class DependencyHealthMetrics : BackgroundService
{
    private const string Self = "self";

    private readonly IServiceProvider services;
    private readonly HealthCheckRegistration[] registrations;
    private readonly TimeSpan interval;
    private readonly ILogger<DependencyHealthMetrics> logger;
    private readonly IHostApplicationLifetime lifetime;
    private readonly ConcurrentDictionary<string, int> up = new(StringComparer.Ordinal);
    private readonly Meter meter;

    public DependencyHealthMetrics(
        IServiceProvider services,
        IOptions<HealthCheckServiceOptions> health,
        IConfiguration configuration,
        IMeterFactory meterFactory,
        IHostApplicationLifetime lifetime,
        ILogger<DependencyHealthMetrics> logger)
    {
        this.services = services;
        this.logger = logger;
        this.lifetime = lifetime;
        registrations = [.. health.Value.Registrations.Where(r => r.Name != Self && r.Tags.Contains(ServiceDefaultsExtensions.ReadyTag))];
        var intervalMs = configuration.GetValue("Telemetry:DependencyCheckIntervalMs", 15_000);
        if (intervalMs is < 100 or > 600_000)
        {
            throw new System.ComponentModel.DataAnnotations.ValidationException(
                $"Configuration 'Telemetry:DependencyCheckIntervalMs' must be 100..600000; got {intervalMs}.");
        }

        interval = TimeSpan.FromMilliseconds(intervalMs);
        meter = meterFactory.Create(PlatformTelemetry.SourcePrefix + "Dependencies");
        meter.CreateObservableGauge("live.dependency.up", Observe,
            description: "1 when the dependency answered its last readiness check, 0 when it did not, by dependency (redis, mysql, kafka, ...).");
    }

    public override void Dispose()
    {
        base.Dispose();
        meter.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The first round once the process has started: a connection still opening while the hosted services start
        // (the Edge's relay waits for its streams then) is not an outage to log.
        if (registrations.Length == 0 || !await StartedAsync(stoppingToken))
        {
            return;
        }

        using var timer = new PeriodicTimer(interval);
        do
        {
            await Task.WhenAll(registrations.Select(CheckAsync));
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    private async Task<bool> StartedAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        try
        {
            await started.Task.WaitAsync(stoppingToken);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task CheckAsync(HealthCheckRegistration registration)
    {
        HealthCheckResult result;

        // Bounded by the check's own timeout, not cut off by shutdown: a database check cancelled mid-connect
        // makes EF Core log a connection error, which would read as a fault of a service that was only stopping.
        using var timeout = new CancellationTokenSource(
            registration.Timeout > TimeSpan.Zero && registration.Timeout != Timeout.InfiniteTimeSpan ? registration.Timeout : TimeSpan.FromSeconds(5));
        try
        {
            var check = registration.Factory(services);
            result = await check.CheckHealthAsync(new HealthCheckContext { Registration = registration }, timeout.Token);
        }
        catch (Exception ex)
        {
            // A check that throws or times out says the dependency did not answer.
            result = HealthCheckResult.Unhealthy(ex.Message, ex);
        }

        var now = result.Status == HealthStatus.Unhealthy ? 0 : 1;
        var before = up.GetValueOrDefault(registration.Name, -1);
        up[registration.Name] = now;
        if (now == 0 && before != 0)
        {
            DependencyLog.Unreachable(logger, registration.Name, result.Description ?? result.Exception?.Message ?? "unhealthy");
        }
        else if (now == 1 && before == 0)
        {
            DependencyLog.Reachable(logger, registration.Name);
        }
    }

    private IEnumerable<Measurement<int>> Observe()
    {
        foreach (var (name, value) in up)
        {
            yield return new Measurement<int>(value, new KeyValuePair<string, object?>("dependency", name));
        }
    }
}

internal static partial class DependencyLog
{
    [LoggerMessage(EventId = 30, Level = LogLevel.Warning, Message = "Dependency {Dependency} is unreachable: {Reason}")]
    public static partial void Unreachable(ILogger logger, string dependency, string reason);

    [LoggerMessage(EventId = 31, Level = LogLevel.Information, Message = "Dependency {Dependency} is reachable again")]
    public static partial void Reachable(ILogger logger, string dependency);
}
