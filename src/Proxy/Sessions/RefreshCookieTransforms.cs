using Google.Protobuf;
using Live.V1;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Live.Proxy.Sessions;

/// <summary>
/// Keeps a browser's refresh token where page scripts cannot read it (docs/adr/0006-browser-access.md): a binary
/// gRPC-Web Login or Refresh that asks for it (<c>x-refresh-cookie: 1</c>), or that spent the cookie's token,
/// gets the new refresh token in an HttpOnly, Secure, SameSite=Strict cookie scoped to UserService's path and
/// not in the message; Refresh and Logout with an empty refresh_token get the cookie's token filled in; Logout
/// and a refused Refresh clear it. No cookie is ever forwarded to a backend.
/// </summary>
public sealed class RefreshCookieTransforms(TimeProvider time) : ITransformProvider
{
    public const string CookieName = "__Secure-live_refresh";
    public const string CookiePath = "/live.v1.UserService/";
    /// <summary>Not x-live-*: the Proxy drops every client header under that prefix (it is the identity namespace).</summary>
    public const string OptInHeader = "x-refresh-cookie";

    private const string LoginPath = "/live.v1.UserService/Login";
    private const string RefreshPath = "/live.v1.UserService/Refresh";
    private const string LogoutPath = "/live.v1.UserService/Logout";

    /// <summary>Unary UserService messages are tiny; anything larger is not rewritten.</summary>
    private const int MaxBodyBytes = 64 * 1024;

    private static readonly object UsedCookieKey = new();

    public void ValidateRoute(TransformRouteValidationContext context)
    {
    }

    public void ValidateCluster(TransformClusterValidationContext context)
    {
    }

    public void Apply(TransformBuilderContext context)
    {
        context.AddRequestTransform(async transform =>
        {
            transform.ProxyRequest.Headers.Remove("Cookie");
            var request = transform.HttpContext.Request;
            var path = request.Path;
            if ((path.Equals(RefreshPath, StringComparison.Ordinal) || path.Equals(LogoutPath, StringComparison.Ordinal))
                && GrpcWebMessage.IsBinaryGrpcWeb(request.ContentType)
                && request.Cookies.TryGetValue(CookieName, out var cookie) && cookie.Length > 0)
            {
                await FillTokenFromCookieAsync(transform, cookie);
            }
        });
        context.AddResponseTransform(async transform =>
        {
            var http = transform.HttpContext;
            var path = http.Request.Path;
            var cookieMode = http.Request.Headers[OptInHeader] == "1" || http.Items.ContainsKey(UsedCookieKey);
            if (!cookieMode || transform.ProxyResponse is not { } response)
            {
                return;
            }

            if (path.Equals(LogoutPath, StringComparison.Ordinal))
            {
                ClearCookie(http.Response);
                return;
            }

            if (!path.Equals(LoginPath, StringComparison.Ordinal) && !path.Equals(RefreshPath, StringComparison.Ordinal))
            {
                return;
            }

            var grpcStatus = http.Response.Headers["grpc-status"].ToString();
            if (grpcStatus.Length > 0 && grpcStatus != "0")
            {
                // Trailers-only refusal (spent, revoked, expired): the cookie's token is of no more use.
                if (path.Equals(RefreshPath, StringComparison.Ordinal))
                {
                    ClearCookie(http.Response);
                }

                return;
            }

            if ((int)response.StatusCode != StatusCodes.Status200OK || !GrpcWebMessage.IsBinaryGrpcWeb(response.Content.Headers.ContentType?.ToString()))
            {
                return;
            }

            await MoveTokenIntoCookieAsync(transform, response);
        });
    }

    private static async Task FillTokenFromCookieAsync(RequestTransformContext transform, string cookie)
    {
        // Buffered, so that a body larger than a token request is forwarded untouched from its start.
        var request = transform.HttpContext.Request;
        request.EnableBuffering();
        var (body, complete) = await ReadBoundedAsync(request.Body, transform.HttpContext.RequestAborted);
        if (!complete)
        {
            request.Body.Position = 0;
            return;
        }

        if (!GrpcWebMessage.TryReadFirst(body, out var message, out var frameEnd))
        {
            request.Body.Position = 0;
            return;
        }

        // RefreshRequest and LogoutRequest both carry the token as field 1.
        var parsed = RefreshRequest.Parser.ParseFrom(message);
        if (parsed.RefreshToken.Length == 0)
        {
            parsed.RefreshToken = cookie;
            transform.HttpContext.Items[UsedCookieKey] = true;
        }

        // YARP sends the request's body as it finds it when the transforms are done.
        var rewritten = GrpcWebMessage.Replace(parsed.ToByteArray(), body.AsSpan(frameEnd));
        request.Body = new MemoryStream(rewritten, writable: false);
        request.ContentLength = rewritten.Length;
        if (transform.ProxyRequest.Content is { } content)
        {
            content.Headers.ContentLength = rewritten.Length;
        }
    }

    private async Task MoveTokenIntoCookieAsync(ResponseTransformContext transform, HttpResponseMessage response)
    {
        var http = transform.HttpContext;
        var stream = await response.Content.ReadAsStreamAsync(http.RequestAborted);
        var (body, complete) = await ReadBoundedAsync(stream, http.RequestAborted);
        transform.SuppressResponseBody = true;
        if (!complete || !GrpcWebMessage.TryReadFirst(body, out var message, out var frameEnd))
        {
            // Not a message this transform understands (or too large): passed on as it came.
            http.Response.Headers.ContentLength = null;
            await http.Response.Body.WriteAsync(body, http.RequestAborted);
            await stream.CopyToAsync(http.Response.Body, http.RequestAborted);
            return;
        }

        var pair = TokenPair.Parser.ParseFrom(message);
        if (pair.RefreshToken.Length > 0)
        {
            var lifetime = pair.RefreshTokenExpiresAt is null ? TimeSpan.FromDays(30) : pair.RefreshTokenExpiresAt.ToDateTimeOffset() - time.GetUtcNow();
            http.Response.Cookies.Append(CookieName, pair.RefreshToken, new CookieOptions
            {
                HttpOnly = true,
                Secure = true,
                SameSite = SameSiteMode.Strict,
                Path = CookiePath,
                MaxAge = lifetime > TimeSpan.Zero ? lifetime : TimeSpan.Zero,
            });
            pair.RefreshToken = string.Empty;
        }

        var rewritten = GrpcWebMessage.Replace(pair.ToByteArray(), body.AsSpan(frameEnd));
        http.Response.ContentLength = rewritten.Length;
        await http.Response.Body.WriteAsync(rewritten, http.RequestAborted);
    }

    private static void ClearCookie(HttpResponse response) =>
        response.Cookies.Delete(CookieName, new CookieOptions { HttpOnly = true, Secure = true, SameSite = SameSiteMode.Strict, Path = CookiePath });

    /// <returns>The body read so far, and whether that is all of it (false: more than <see cref="MaxBodyBytes"/>, the rest still in the stream).</returns>
    private static async Task<(byte[] Body, bool Complete)> ReadBoundedAsync(Stream stream, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > MaxBodyBytes)
            {
                return (buffer.ToArray(), false);
            }
        }

        return (buffer.ToArray(), true);
    }
}
