using Confluent.Kafka;
using Grpc.Core;
using Live.ServiceDefaults.Grpc;
using Live.ServiceDefaults.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Live.Kafka;

public static class KafkaServiceCollectionExtensions
{
    /// <summary>One idempotent producer per process (producers are thread-safe and batch internally).</summary>
    public static IServiceCollection AddKafkaProducer(this IServiceCollection services, IConfiguration configuration, string clientId)
    {
        services.AddKafka(configuration);
        services.AddSingleton<IProducer<string, byte[]>>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<KafkaOptions>>().Value;
            KafkaNativeLibrary.Load(options.NativeLibraryPath);
            var logger = sp.GetRequiredService<ILoggerFactory>().CreateLogger("Live.Kafka.Producer");
            var config = new ProducerConfig
            {
                BootstrapServers = options.BootstrapServers,
                ClientId = clientId,
                EnableIdempotence = true,
                Acks = Acks.All,
                LingerMs = options.LingerMs,
                MessageTimeoutMs = options.MessageTimeoutMs,
                SocketTimeoutMs = 10_000,
            };
            return new ProducerBuilder<string, byte[]>(config)
                .SetLogHandler((_, message) => KafkaLog.Write(logger, message))
                .SetErrorHandler((_, error) => KafkaLog.Error(logger, error))
                .Build();
        });
        return services;
    }

    /// <summary>
    /// Kafka options (validated at start-up) and the readiness check, once per process; consumers build their
    /// own clients from the options.
    /// </summary>
    public static IServiceCollection AddKafka(this IServiceCollection services, IConfiguration configuration)
    {
        if (services.Any(d => d.ServiceType == typeof(KafkaHealthCheck)))
        {
            return services;
        }

        services.AddValidatedOptions<KafkaOptions>(configuration, KafkaOptions.Section);
        services.AddSingleton<KafkaHealthCheck>(sp => new KafkaHealthCheck(sp.GetRequiredService<IOptions<KafkaOptions>>().Value));
        services.AddHealthChecks().Add(new HealthCheckRegistration(
            "kafka",
            sp => sp.GetRequiredService<KafkaHealthCheck>(),
            HealthStatus.Unhealthy,
            [ServiceDefaultsExtensions.ReadyTag],
            TimeSpan.FromSeconds(5)));
        services.AddDependencyFailure<KafkaException>(StatusCode.Unavailable, "The event log is unavailable; retry later.");
        return services;
    }
}

internal static partial class KafkaLog
{
    public static void Write(ILogger logger, LogMessage message)
    {
        var level = message.Level switch
        {
            SyslogLevel.Emergency or SyslogLevel.Alert or SyslogLevel.Critical or SyslogLevel.Error => LogLevel.Error,
            SyslogLevel.Warning => LogLevel.Warning,
            SyslogLevel.Notice or SyslogLevel.Info => LogLevel.Information,
            _ => LogLevel.Debug,
        };
        Librdkafka(logger, level, message.Facility, message.Message);
    }

    public static void Error(ILogger logger, Error error) => ClientError(logger, error.Code, error.Reason, error.IsFatal);

    [LoggerMessage(EventId = 100, Message = "librdkafka {Facility}: {Text}")]
    private static partial void Librdkafka(ILogger logger, LogLevel level, string facility, string text);

    [LoggerMessage(EventId = 101, Level = LogLevel.Warning, Message = "Kafka client error {Code}: {Reason} (fatal: {Fatal})")]
    private static partial void ClientError(ILogger logger, ErrorCode code, string reason, bool fatal);
}
