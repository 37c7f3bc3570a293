using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Live.Edge.Relay;

/// <summary>
/// Ready only while every relay stream is open: an Edge whose stream to MessageService is down cannot deliver or
/// accept its rooms' messages, so a load balancer should send new viewers elsewhere until it is back (its
/// connected viewers stay; they resume when it reopens).
/// </summary>
public sealed class RelayHealthCheck(RelayClient relay) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var open = relay.ConnectedStreams;
        var description = $"{open} of {relay.StreamCount} relay streams open";
        return Task.FromResult(open == relay.StreamCount ? HealthCheckResult.Healthy(description) : new HealthCheckResult(context.Registration.FailureStatus, description));
    }
}
