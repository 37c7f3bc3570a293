using Microsoft.Extensions.FileProviders;

namespace Live.Proxy.WebApp;

/// <summary>Which requests the app answers, and the headers its files carry.</summary>
public static class WebAppFiles
{
    public const string IndexFile = "index.html";

    /// <summary>Vite's fingerprinted output: a changed file gets a new name, so these never need revalidating.</summary>
    public const string AssetsPath = "/assets";

    public const string ImmutableCaching = "public, max-age=31536000, immutable";

    /// <summary>index.html (and other unfingerprinted files) are revalidated on every load, so a deploy shows at once.</summary>
    public const string RevalidateCaching = "no-cache";

    private static readonly string[] ApiPrefixes = ["/live.v1.", "/grpc.", "/ws", "/.well-known/", "/health", "/metrics"];

    /// <summary>GET or HEAD that no API route (gRPC, /ws, JWKS, health) took.</summary>
    public static bool IsPageRequest(HttpContext context)
    {
        var request = context.Request;
        if (!(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)) || context.GetEndpoint() is not null)
        {
            return false;
        }

        var path = request.Path.Value ?? "/";
        foreach (var prefix in ApiPrefixes)
        {
            if (path.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// A page path the app routes itself (/, /room/7, /console) becomes index.html; a missing file (a name with
    /// an extension, or anything under /assets) stays missing and gets 404, so a stale chunk is never answered
    /// with HTML that would then be cached.
    /// </summary>
    public static void FallBackToIndex(HttpContext context, IFileProvider files)
    {
        var path = context.Request.Path;
        if (path.StartsWithSegments(AssetsPath, StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        var value = path.Value ?? "/";
        if (value != "/" && files.GetFileInfo(value) is { Exists: true, IsDirectory: false })
        {
            return;
        }

        var lastSegment = value[(value.LastIndexOf('/') + 1)..];
        if (!lastSegment.Contains('.', StringComparison.Ordinal))
        {
            context.Request.Path = "/" + IndexFile;
        }
    }

    public static void AddHeaders(HttpContext context)
    {
        var headers = context.Response.Headers;
        headers.CacheControl = context.Request.Path.StartsWithSegments(AssetsPath, StringComparison.OrdinalIgnoreCase)
            ? ImmutableCaching
            : RevalidateCaching;
        headers.ContentSecurityPolicy = ContentSecurityPolicy(context.Request);
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
    }

    /// <summary>
    /// Only what the app needs: its own scripts and styles (no inline script, no eval), images it draws or
    /// ships and anchors' product images (https only), and connections to this origin — gRPC-Web by fetch and the room WebSocket, named explicitly for
    /// browsers whose 'self' does not cover wss. No framing, no plugins, no base-URI changes.
    /// </summary>
    public static string ContentSecurityPolicy(HttpRequest request)
    {
        var socketScheme = request.IsHttps ? "wss" : "ws";
        return "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob: https:; font-src 'self'; "
            + $"connect-src 'self' {socketScheme}://{request.Host.ToUriComponent()}; manifest-src 'self'; "
            + "base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'";
    }
}
