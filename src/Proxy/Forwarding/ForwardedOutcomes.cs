using Live.Proxy.Telemetry;
using Microsoft.AspNetCore.Http.Features;
using Yarp.ReverseProxy.Forwarder;

namespace Live.Proxy.Forwarding;

/// <summary>
/// Counts every forwarded request by protocol and outcome (live.proxy.responses), so an alert can tell browsers'
/// gRPC-Web calls failing from plain 5xx: a gRPC call is a server error when the backend could not serve it
/// (grpc-status UNKNOWN, DEADLINE_EXCEEDED, INTERNAL, UNAVAILABLE, DATA_LOSS) even though HTTP says 200. The status
/// is read where the Proxy sees it: response headers (trailers-only answers, how the services refuse) or HTTP/2
/// trailers; a gRPC-Web stream that fails after its first message carries it in the body and counts as ok.
/// </summary>
public static class ForwardedOutcomes
{
    public static IReverseProxyApplicationBuilder UseForwardedOutcomes(this IReverseProxyApplicationBuilder pipeline)
    {
        var metrics = pipeline.ApplicationServices.GetRequiredService<ProxyMetrics>();
        pipeline.Use(async (context, next) =>
        {
            var protocol = ProtocolOf(context);
            await next();
            metrics.Responded(protocol, OutcomeOf(context, protocol));
        });
        return pipeline;
    }

    private static string ProtocolOf(HttpContext context)
    {
        if (context.WebSockets.IsWebSocketRequest)
        {
            return "websocket";
        }

        var contentType = context.Request.ContentType;
        return contentType is null ? "http"
            : contentType.StartsWith("application/grpc-web", StringComparison.OrdinalIgnoreCase) ? "grpc-web"
            : contentType.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) ? "grpc"
            : "http";
    }

    private static string OutcomeOf(HttpContext context, string protocol)
    {
        var status = context.Response.StatusCode;
        if (context.GetForwarderErrorFeature() is not null || status >= 500)
        {
            return "server_error";
        }

        if (status >= 400)
        {
            return "client_error";
        }

        if (protocol is not ("grpc" or "grpc-web"))
        {
            return "ok";
        }

        var grpcStatus = context.Response.Headers["grpc-status"].ToString();
        if (grpcStatus.Length == 0 && context.Features.Get<IHttpResponseTrailersFeature>()?.Trailers is { } trailers)
        {
            grpcStatus = trailers["grpc-status"].ToString();
        }

        return grpcStatus switch
        {
            "" or "0" => "ok",
            "2" or "4" or "13" or "14" or "15" => "server_error",
            _ => "client_error",
        };
    }
}
