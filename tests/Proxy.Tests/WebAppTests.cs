using System.Net;
using System.Net.Http.Headers;

namespace Live.Proxy.Tests;

/// <summary>A built app as Vite lays it out: index.html at the root, fingerprinted files under assets/.</summary>
public sealed class WebAppFixture : ProxyEnvironmentFixture, IDisposable
{
    public const string Index = "<!doctype html><html><head><script type=\"module\" src=\"/assets/index-3f2a1b9c.js\"></script></head><body><div id=\"app\"></div></body></html>";
    public const string Script = "console.log('app');";

    private readonly DirectoryInfo root = Directory.CreateTempSubdirectory("proxy-webapp-");

    public WebAppFixture()
    {
        File.WriteAllText(Path.Combine(root.FullName, "index.html"), Index);
        Directory.CreateDirectory(Path.Combine(root.FullName, "assets"));
        File.WriteAllText(Path.Combine(root.FullName, "assets", "index-3f2a1b9c.js"), Script);
        File.WriteAllText(Path.Combine(root.FullName, "robots.txt"), "User-agent: *");
    }

    protected override IDictionary<string, string?> ProxySettings => new Dictionary<string, string?> { ["WebApp:Root"] = root.FullName };

    public void Dispose() => root.Delete(recursive: true);
}

public sealed class WebAppTests(WebAppFixture fixture) : IClassFixture<WebAppFixture>
{
    private ProxyEnvironment Env => fixture.Environment;

    [Theory]
    [InlineData("1.1")]
    [InlineData("2.0")]
    public async Task The_root_serves_index_html_revalidated_under_a_strict_CSP(string httpVersion)
    {
        using var http = Env.Proxy.CreateHttpClient(Version.Parse(httpVersion));
        using var response = await http.GetAsync("/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(WebAppFixture.Index, await response.Content.ReadAsStringAsync());
        Assert.True(response.Headers.CacheControl?.NoCache);
        Assert.Null(response.Headers.CacheControl?.MaxAge);

        var csp = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        var directives = csp.Split(';', StringSplitOptions.TrimEntries).ToDictionary(d => d.Split(' ')[0], d => d);
        Assert.Equal("default-src 'none'", directives["default-src"]);
        Assert.Equal("script-src 'self'", directives["script-src"]);
        Assert.Equal($"connect-src 'self' wss://127.0.0.1:{Env.Proxy.PublicAddress.Port}", directives["connect-src"]);
        Assert.Equal("frame-ancestors 'none'", directives["frame-ancestors"]);
        Assert.Equal("object-src 'none'", directives["object-src"]);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-eval", csp, StringComparison.Ordinal);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
    }

    [Fact]
    public async Task Fingerprinted_assets_are_cached_for_a_year_and_revalidate_with_304()
    {
        using var http = Env.Proxy.CreateHttpClient(HttpVersion.Version11);
        using var response = await http.GetAsync("/assets/index-3f2a1b9c.js");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/javascript", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(WebAppFixture.Script, await response.Content.ReadAsStringAsync());
        Assert.Equal(TimeSpan.FromDays(365), response.Headers.CacheControl?.MaxAge);
        Assert.True(response.Headers.CacheControl?.Public);
        Assert.Contains("immutable", response.Headers.CacheControl!.ToString(), StringComparison.Ordinal);

        using var again = new HttpRequestMessage(HttpMethod.Get, "/assets/index-3f2a1b9c.js");
        again.Headers.IfNoneMatch.Add(response.Headers.ETag!);
        using var notModified = await http.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
    }

    [Theory]
    [InlineData("/room/42")]
    [InlineData("/console")]
    [InlineData("/admin/rooms/7/history")]
    public async Task Page_paths_the_app_routes_fall_back_to_index_html(string path)
    {
        using var http = Env.Proxy.CreateHttpClient(HttpVersion.Version11);
        using var response = await http.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(WebAppFixture.Index, await response.Content.ReadAsStringAsync());
        Assert.True(response.Headers.CacheControl?.NoCache);
        Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
    }

    [Theory]
    [InlineData("/assets/index-00000000.js")]
    [InlineData("/assets/gone")]
    [InlineData("/favicon.ico")]
    public async Task Missing_files_are_404_never_index_html(string path)
    {
        using var http = Env.Proxy.CreateHttpClient(HttpVersion.Version11);
        using var response = await http.GetAsync(path);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.DoesNotContain("<!doctype html>", await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Other_root_files_are_served_and_revalidated()
    {
        using var http = Env.Proxy.CreateHttpClient(HttpVersion.Version11);
        using var response = await http.GetAsync("/robots.txt");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("User-agent: *", await response.Content.ReadAsStringAsync());
        Assert.True(response.Headers.CacheControl?.NoCache);
    }

    [Fact]
    public async Task API_paths_and_other_methods_never_get_the_app()
    {
        using var http = Env.Proxy.CreateHttpClient(HttpVersion.Version11);

        using var jwks = await http.GetAsync("/.well-known/jwks.json");
        Assert.Contains("\"keys\"", await jwks.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var grpcPath = await http.GetAsync("/live.v1.RoomService/ListRooms");
        Assert.Equal(HttpStatusCode.Unauthorized, grpcPath.StatusCode);

        using var unknownService = await http.GetAsync("/live.v1.NoSuchService/Call");
        Assert.Equal(HttpStatusCode.NotFound, unknownService.StatusCode);

        using var post = await http.PostAsync("/room/42", new StringContent("x", new MediaTypeHeaderValue("text/plain")));
        Assert.NotEqual(HttpStatusCode.OK, post.StatusCode);
        Assert.DoesNotContain("<!doctype html>", await post.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);

        using var socketPath = await http.GetAsync("/ws");
        Assert.NotEqual("text/html", socketPath.Content.Headers.ContentType?.MediaType);
    }
}
