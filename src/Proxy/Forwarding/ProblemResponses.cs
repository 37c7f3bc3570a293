using System.Text.Json;
using Grpc.Core;

namespace Live.Proxy.Forwarding;

/// <summary>
/// Refusals the Proxy answers itself: an HTTP status with a JSON body saying why, plus grpc-status and
/// grpc-message headers when the request is gRPC, so both kinds of client get a reason.
/// </summary>
public static class ProblemResponses
{
    public static Task WriteAsync(HttpContext context, int httpStatus, StatusCode grpcStatus, string title, string detail)
    {
        var response = context.Response;
        if (response.HasStarted)
        {
            return Task.CompletedTask;
        }

        response.StatusCode = httpStatus;
        if (context.Request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) == true)
        {
            response.Headers["grpc-status"] = ((int)grpcStatus).ToString(System.Globalization.CultureInfo.InvariantCulture);
            response.Headers["grpc-message"] = Uri.EscapeDataString(detail);
        }

        response.ContentType = "application/problem+json";
        return response.WriteAsync(JsonSerializer.Serialize(new { status = httpStatus, title, detail }));
    }
}
