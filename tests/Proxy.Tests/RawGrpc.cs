using System.Net;
using System.Net.Http.Headers;

namespace Live.Proxy.Tests;

/// <summary>A gRPC request as bytes on the wire, so a test can see the HTTP status the Proxy answered with.</summary>
public static class RawGrpc
{
    /// <summary>An empty ListRooms request (one gRPC frame holding a zero-length message).</summary>
    public static async Task<HttpResponseMessage> ListRoomsAsync(HttpClient http, string? token, byte[]? body = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/live.v1.RoomService/ListRooms")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(body ?? new byte[5]),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await http.SendAsync(request);
    }
}
