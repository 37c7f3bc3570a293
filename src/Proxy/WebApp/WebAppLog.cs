namespace Live.Proxy.WebApp;

internal static partial class WebAppLog
{
    [LoggerMessage(EventId = 8100, Level = LogLevel.Information, Message = "Serving the web app from {Root}")]
    public static partial void Serving(ILogger logger, string root);

    [LoggerMessage(EventId = 8101, Level = LogLevel.Information, Message = "No web app at {Root} (build web/app, or set WebApp:Root); only the APIs are served")]
    public static partial void Missing(ILogger logger, string root);
}
