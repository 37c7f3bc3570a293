using System.Globalization;
using Grpc.Core;

namespace Live.Proxy.Tests;

/// <summary>
/// The README's calls through the public door: TLS trusted with `--cacert`, the schema from protos/ (the Proxy
/// serves no reflection), a bearer token in `-H`.
/// </summary>
[Collection(DefaultEnvironmentCollection.Name)]
public sealed class BufCurlProxyTests(DefaultEnvironmentFixture fixture)
{
    private const string Password = "correct horse";

    private ProxyEnvironment Env => fixture.Environment;

    [Fact]
    public async Task Register_through_the_proxy_returns_the_new_profile()
    {
        var username = NewUsername();

        var result = await CallAsync("live.v1.UserService/Register", $$"""{"username":"{{username}}","password":"{{Password}}","asAnchor":true}""");

        var profile = result.Json;
        Assert.Equal(username, profile.GetProperty("username").GetString());
        Assert.True(long.Parse(profile.GetProperty("userId").GetString()!, CultureInfo.InvariantCulture) > 0);
        Assert.Contains("ROLE_ANCHOR", profile.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
    }

    [Fact]
    public async Task Login_through_the_proxy_returns_a_bearer_token_pair()
    {
        var username = await RegisterAsync();

        var tokens = (await CallAsync("live.v1.UserService/Login", $$"""{"username":"{{username}}","password":"{{Password}}"}""")).Json;

        Assert.Equal("Bearer", tokens.GetProperty("tokenType").GetString());
        Assert.Equal(3, tokens.GetProperty("accessToken").GetString()!.Split('.').Length);
        Assert.False(string.IsNullOrEmpty(tokens.GetProperty("refreshToken").GetString()));
        Assert.Equal(username, tokens.GetProperty("user").GetProperty("username").GetString());
    }

    [Fact]
    public async Task CreateRoom_with_the_bearer_header_makes_the_caller_the_anchor()
    {
        var (userId, token) = await SignInAsync();

        var room = (await CallAsync("live.v1.RoomService/CreateRoom", """{"title":"Hello","category":"chat"}""", "authorization: Bearer " + token)).Json;

        Assert.Equal(userId, room.GetProperty("anchorUserId").GetString());
        Assert.Equal("Hello", room.GetProperty("title").GetString());
    }

    [Fact]
    public async Task GetProfile_with_the_bearer_header_answers_for_the_caller()
    {
        var (userId, token) = await SignInAsync();

        var profile = (await CallAsync("live.v1.UserService/GetProfile", "{}", "authorization: Bearer " + token)).Json;

        Assert.Equal(userId, profile.GetProperty("userId").GetString());
    }

    [Fact]
    public async Task Refresh_through_the_proxy_needs_no_access_token_and_rotates_the_pair()
    {
        var username = await RegisterAsync();
        var first = (await CallAsync("live.v1.UserService/Login", $$"""{"username":"{{username}}","password":"{{Password}}"}""")).Json;
        var refreshToken = first.GetProperty("refreshToken").GetString();

        var second = (await CallAsync("live.v1.UserService/Refresh", $$"""{"refreshToken":"{{refreshToken}}"}""")).Json;

        Assert.NotEqual(refreshToken, second.GetProperty("refreshToken").GetString());
        Assert.Equal(3, second.GetProperty("accessToken").GetString()!.Split('.').Length);
    }

    [Theory]
    [InlineData(null, "This call needs an access token (Authorization: Bearer <token>).")]
    [InlineData("authorization: Bearer not.a.jwt", "The access token is not valid.")]
    public async Task Without_a_valid_token_the_proxy_answers_unauthenticated_with_the_reason(string? header, string reason)
    {
        var result = await CallAsync("live.v1.RoomService/CreateRoom", """{"title":"Hello","category":"chat"}""", header);

        Assert.Equal(StatusCode.Unauthenticated, result.Status);
        Assert.Equal(("unauthenticated", reason), result.RpcError);
        Assert.Empty(result.Output);
    }

    [Fact]
    public async Task The_response_headers_in_verbose_output_name_the_version_that_served_the_call()
    {
        var (_, token) = await SignInAsync();
        var created = (await CallAsync("live.v1.RoomService/CreateRoom", """{"title":"canary","category":"chat"}""", "authorization: Bearer " + token)).Json;

        var result = await BufCli.RunAsync([.. ProxyArgs(), "-v", "-H", "authorization: Bearer " + token,
            "-d", $$"""{"roomId": {{created.GetProperty("id").GetString()}}}""", Url("live.v1.RoomService/GetRoom")]);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains(result.Error.Split('\n'), line => line.Contains("x-served-version: v1", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Without_cacert_the_self_signed_certificate_is_not_trusted()
    {
        var result = await BufCli.RunAsync(["curl", "--protocol", "grpc", "--schema", "protos",
            "-d", """{"username":"x","password":"y"}""", Url("live.v1.UserService/Login")]);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("certificate", result.Error, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(result.Output);
    }

    [Fact]
    public async Task Without_schema_the_call_fails_because_the_proxy_serves_no_reflection()
    {
        var result = await BufCli.RunAsync(["curl", "--protocol", "grpc", "--cacert", Env.Proxy.Certificate.PemPath,
            "-d", """{"username":"x","password":"y"}""", Url("live.v1.UserService/Login")]);

        Assert.InRange(result.ExitCode, 1, 7);
        Assert.Contains("failed to find service named \"live.v1.UserService\"", result.Error, StringComparison.Ordinal);
        Assert.Empty(result.Output);
    }

    /// <summary>As the README: `buf curl --protocol grpc --cacert .local/certs/proxy.crt --schema protos`.</summary>
    private string[] ProxyArgs() => ["curl", "--protocol", "grpc", "--cacert", Env.Proxy.Certificate.PemPath, "--schema", "protos"];

    private string Url(string method) => $"{Env.Proxy.PublicAddress}{method}";

    private Task<BufResult> CallAsync(string method, string json, string? header = null) =>
        BufCli.RunAsync([.. ProxyArgs(), .. header is null ? Array.Empty<string>() : ["-H", header], "-d", json, Url(method)]);

    private async Task<string> RegisterAsync()
    {
        var username = NewUsername();
        Assert.Equal(0, (await CallAsync("live.v1.UserService/Register", $$"""{"username":"{{username}}","password":"{{Password}}","asAnchor":true}""")).ExitCode);
        return username;
    }

    /// <summary>A new anchor signed in through the Proxy with buf alone, as the README does it.</summary>
    private async Task<(string UserId, string AccessToken)> SignInAsync()
    {
        var username = await RegisterAsync();
        var tokens = (await CallAsync("live.v1.UserService/Login", $$"""{"username":"{{username}}","password":"{{Password}}"}""")).Json;
        return (tokens.GetProperty("user").GetProperty("userId").GetString()!, tokens.GetProperty("accessToken").GetString()!);
    }

    private static string NewUsername() => "buf" + Guid.NewGuid().ToString("N")[..12];
}
