namespace Live.ServiceDefaults.Hosting;

/// <summary>Every platform ActivitySource and Meter is named with this prefix so one wildcard exports them all.</summary>
public static class PlatformTelemetry
{
    public const string SourcePrefix = "Live.";
}
