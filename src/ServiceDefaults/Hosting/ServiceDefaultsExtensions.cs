using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Live.ServiceDefaults.Grpc;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Live.ServiceDefaults.Hosting;

/// <summary>What every service in the platform gets: telemetry, health, gRPC conventions.</summary>
public static class ServiceDefaultsExtensions
{
    /// <summary>Health checks with this tag gate <c>/health/ready</c> and the gRPC health service.</summary>
    public const string ReadyTag = "ready";

    public static WebApplicationBuilder AddServiceDefaults(this WebApplicationBuilder builder, string serviceName)
    {
        builder.AddPlatformLogging();
        builder.AddPlatformTelemetry(serviceName);
        builder.Services.AddHostedService<DependencyHealthMetrics>();
        // "self" keeps readiness defined for a service with no dependencies: an empty set of checks would
        // make the gRPC health service answer UNKNOWN instead of SERVING.
        builder.Services.AddHealthChecks().AddCheck("self", () => HealthCheckResult.Healthy(), [ReadyTag]);
        builder.Services.AddSingleton<ExceptionMappingInterceptor>();
        builder.Services.AddGrpc(options =>
        {
            options.Interceptors.Add<ExceptionMappingInterceptor>();
            options.MaxReceiveMessageSize = 4 * 1024 * 1024;
        });
        builder.Services.AddGrpcReflection();
        builder.Services.AddGrpcHealthChecks(options =>
            options.Services.Map(string.Empty, result => result.Tags.Contains(ReadyTag)));
        return builder;
    }

    /// <summary>
    /// Outside Development the console log is JSON, one object per line, with the trace and span ids of the
    /// activity current when the entry was written (in its scopes), so a log line leads to its trace. Setting
    /// Logging:Console:FormatterName chooses another formatter.
    /// </summary>
    private static void AddPlatformLogging(this WebApplicationBuilder builder)
    {
        builder.Logging.Configure(options =>
            options.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId | ActivityTrackingOptions.ParentId);
        // Options only, no provider: a host that removed the console (the in-process test hosts) stays without one.
        if (!builder.Environment.IsDevelopment() && string.IsNullOrEmpty(builder.Configuration["Logging:Console:FormatterName"]))
        {
            builder.Services.Configure<ConsoleLoggerOptions>(options => options.FormatterName = ConsoleFormatterNames.Json);
            builder.Services.Configure<JsonConsoleFormatterOptions>(options =>
            {
                options.IncludeScopes = true;
                options.UseUtcTimestamp = true;
                options.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            });
        }
    }

    private static TracingOptions ReadTracingOptions(IConfiguration configuration)
    {
        var options = configuration.GetSection(TracingOptions.Section).Get<TracingOptions>() ?? new TracingOptions();
        var problems = new List<ValidationResult>();
        if (!Validator.TryValidateObject(options, new ValidationContext(options), problems, validateAllProperties: true))
        {
            throw new ValidationException($"Configuration '{TracingOptions.Section}' is invalid: " + string.Join(" ", problems.Select(p => p.ErrorMessage)));
        }

        return options;
    }

    private static void AddPlatformTelemetry(this WebApplicationBuilder builder, string serviceName)
    {
        var tracingOptions = ReadTracingOptions(builder.Configuration);
        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(
                serviceName,
                serviceVersion: builder.Configuration["Service:Version"] ?? "v1",
                serviceInstanceId: Environment.MachineName + ":" + Environment.ProcessId))
            .WithTracing(tracing => tracing
                .SetSampler(new PlatformSampler(tracingOptions))
                .AddProcessor(new ErrorAndSlowSpanKeeper(tracingOptions))
                .AddSource(PlatformTelemetry.SourcePrefix + "*")
                .AddAspNetCoreInstrumentation(options => options.Filter = context => !IsInfrastructurePath(context.Request.Path))
                .AddHttpClientInstrumentation()
                .AddGrpcClientInstrumentation())
            .WithMetrics(metrics => metrics
                .AddMeter(PlatformTelemetry.SourcePrefix + "*")
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddPrometheusExporter());

        // OTLP only when a collector is configured, so local runs and tests do not try to export.
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            otel.UseOtlpExporter();
        }
    }

    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteHealthJson });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = r => r.Tags.Contains(ReadyTag), ResponseWriter = WriteHealthJson });
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapGrpcReflectionService();
        app.MapGrpcHealthChecksService();
        return app;
    }

    private static bool IsInfrastructurePath(PathString path) =>
        path.StartsWithSegments("/health") || path.StartsWithSegments("/metrics")
        || path.StartsWithSegments("/grpc.health.v1.Health") || path.StartsWithSegments("/grpc.reflection");

    private static Task WriteHealthJson(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        var body = new
        {
            status = report.Status.ToString(),
            durationMs = (long)report.TotalDuration.TotalMilliseconds,
            checks = report.Entries.ToDictionary(
                e => e.Key,
                e => new { status = e.Value.Status.ToString(), description = e.Value.Description, error = e.Value.Exception?.Message }),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body));
    }
}
