namespace Live.Proxy.Telemetry;

/// <summary>Tokens are never logged: only what was refused, why and from where.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 8000, Level = LogLevel.Information, Message = "JWKS loaded: {Count} key(s) from {Url}")]
    public static partial void JwksLoaded(ILogger logger, int count, string url);

    [LoggerMessage(EventId = 8001, Level = LogLevel.Warning, Message = "Fetching the JWKS from {Url} failed; keeping {Count} key(s): {Reason}")]
    public static partial void JwksFetchFailed(ILogger logger, string url, int count, string reason);

    [LoggerMessage(EventId = 8002, Level = LogLevel.Warning, Message = "The JWKS from {Url} has {Count} keys; only the first {Max} are used")]
    public static partial void JwksTooLarge(ILogger logger, string url, int count, int max);

    [LoggerMessage(EventId = 8010, Level = LogLevel.Information, Message = "Refused {Method} {Path} from {RemoteIp}: {Reason}")]
    public static partial void Refused(ILogger logger, string method, string path, string remoteIp, string reason);

    [LoggerMessage(EventId = 8200, Level = LogLevel.Information, Message = "Room-affinity ring for cluster {Cluster}: {Destinations} destination(s), {Points} points")]
    public static partial void RoomRingBuilt(ILogger logger, string cluster, int destinations, int points);
}
