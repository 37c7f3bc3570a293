using System.Net;
using System.Net.Http.Headers;

namespace Live.Proxy.Tests;

/// <summary>A gRPC request as bytes on the wire, so a test can see exactly what the Proxy answered with.</summary>
public static class RawGrpc
{
    /// <summary>An empty ListRooms request (one gRPC frame holding a zero-length message); open to guests.</summary>
    public static Task<HttpResponseMessage> ListRoomsAsync(
        HttpClient http, string? token, byte[]? body = null, string contentType = "application/grpc", Version? version = null) =>
        CallAsync(http, "/live.v1.RoomService/ListRooms", token, body, contentType, version);

    /// <summary>An empty CreateRoom request: a call that needs a token.</summary>
    public static Task<HttpResponseMessage> CreateRoomAsync(
        HttpClient http, string? token, string contentType = "application/grpc", Version? version = null) =>
        CallAsync(http, "/live.v1.RoomService/CreateRoom", token, null, contentType, version);

    private static async Task<HttpResponseMessage> CallAsync(
        HttpClient http, string path, string? token, byte[]? body, string contentType, Version? version)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Version = version ?? HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(body ?? new byte[5]),
        };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        request.Headers.TryAddWithoutValidation("te", "trailers");
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await http.SendAsync(request);
    }

    /// <summary>grpc-status: in the headers of a trailers-only answer, otherwise in the trailers after the body.</summary>
    public static string? StatusOf(HttpResponseMessage response) =>
        response.Headers.TryGetValues("grpc-status", out var inHeaders) ? inHeaders.Single()
        : response.TrailingHeaders.TryGetValues("grpc-status", out var inTrailers) ? inTrailers.Single()
        : null;
}
