using Confluent.Kafka;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Live.Kafka;

/// <summary>Ready when the cluster answers a metadata request within two seconds.</summary>
internal sealed class KafkaHealthCheck(KafkaOptions options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        KafkaNativeLibrary.Load(options.NativeLibraryPath);
        return Task.Run(() =>
        {
            try
            {
                using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = options.BootstrapServers, SocketTimeoutMs = 2_000 })
                    .SetLogHandler((_, _) => { })
                    .Build();
                var metadata = admin.GetMetadata(TimeSpan.FromSeconds(2));
                return HealthCheckResult.Healthy($"{metadata.Brokers.Count} broker(s)");
            }
            catch (KafkaException ex)
            {
                return HealthCheckResult.Unhealthy("Kafka metadata request failed", ex);
            }
        }, cancellationToken);
    }
}
