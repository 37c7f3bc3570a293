using System.Globalization;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using StatusCode = Grpc.Core.StatusCode;

namespace Live.Proxy.Forwarding;

/// <summary>
/// Refusals the Proxy answers itself. gRPC and gRPC-Web calls get what a gRPC server would send: HTTP 200,
/// trailers-only, with grpc-status and grpc-message (strict clients such as grpc-js read nothing but that);
/// every other request gets the HTTP status with a JSON body saying why.
/// </summary>
public static class ProblemResponses
{
    public const string StatusDetailsHeader = "grpc-status-details-bin";

    public static Task WriteAsync(HttpContext context, int httpStatus, StatusCode grpcStatus, string title, string detail, int? retryAfterSeconds = null)
    {
        var response = context.Response;
        if (response.HasStarted)
        {
            return Task.CompletedTask;
        }

        if (retryAfterSeconds is { } seconds)
        {
            // One header name serves both: HTTP's Retry-After, and in a trailers-only gRPC answer the retry-after trailer.
            response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        }

        if (GrpcContentType(context.Request.ContentType) is { } contentType)
        {
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = contentType;
            response.Headers["grpc-status"] = ((int)grpcStatus).ToString(CultureInfo.InvariantCulture);
            response.Headers["grpc-message"] = EncodeGrpcMessage(detail);
            if (retryAfterSeconds is { } delay)
            {
                response.Headers[StatusDetailsHeader] = RetryStatusDetails(grpcStatus, detail, delay);
            }

            // No body and no trailers: Kestrel ends the stream with these headers, the trailers-only form.
            return Task.CompletedTask;
        }

        response.StatusCode = httpStatus;
        response.ContentType = "application/problem+json";
        return response.WriteAsync(JsonSerializer.Serialize(new { status = httpStatus, title, detail }));
    }

    /// <summary>The response content type for a gRPC (application/grpc*) or gRPC-Web (application/grpc-web*) request; null for anything else.</summary>
    internal static string? GrpcContentType(string? requestContentType)
    {
        if (requestContentType is null || !requestContentType.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        if (requestContentType.StartsWith("application/grpc-web-text", StringComparison.OrdinalIgnoreCase))
        {
            return "application/grpc-web-text";
        }

        return requestContentType.StartsWith("application/grpc-web", StringComparison.OrdinalIgnoreCase) ? "application/grpc-web" : "application/grpc";
    }

    /// <summary>gRPC's percent-encoding of grpc-message: printable ASCII but '%' as is, every other UTF-8 byte as %XX.</summary>
    internal static string EncodeGrpcMessage(string message)
    {
        var bytes = Encoding.UTF8.GetBytes(message);
        var encoded = new StringBuilder(bytes.Length);
        foreach (var b in bytes)
        {
            if (b is >= 0x20 and <= 0x7E && b != (byte)'%')
            {
                encoded.Append((char)b);
            }
            else
            {
                encoded.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return encoded.ToString();
    }

    /// <summary>A google.rpc.Status carrying a google.rpc.RetryInfo, base64 as gRPC sends binary metadata.</summary>
    private static string RetryStatusDetails(StatusCode code, string detail, int retryAfterSeconds)
    {
        var status = new Google.Rpc.Status { Code = (int)code, Message = detail };
        status.Details.Add(Any.Pack(new RetryInfo { RetryDelay = Duration.FromTimeSpan(TimeSpan.FromSeconds(retryAfterSeconds)) }));
        return Convert.ToBase64String(status.ToByteArray());
    }
}
