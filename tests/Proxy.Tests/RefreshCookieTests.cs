using System.Net;
using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.Client.Web;
using Live.Proxy.Sessions;
using Live.V1;

namespace Live.Proxy.Tests;

/// <summary>
/// A browser's refresh token lives in an HttpOnly cookie the Proxy sets and reads: the SDK asks for it with
/// x-refresh-cookie: 1 on gRPC-Web, and never sees the token itself.
/// </summary>
[Collection(DefaultEnvironmentCollection.Name)]
public sealed class RefreshCookieTests(DefaultEnvironmentFixture fixture)
{
    private static readonly Metadata CookieMode = new() { { RefreshCookieTransforms.OptInHeader, "1" } };

    private ProxyEnvironment Env => fixture.Environment;

    [Fact]
    public async Task Login_puts_the_refresh_token_in_an_HttpOnly_SameSite_Strict_cookie_and_not_in_the_message()
    {
        var jar = new CookieContainer();
        using var channel = BrowserChannel(jar);
        var users = new Live.V1.UserService.UserServiceClient(channel);
        var (username, password) = await RegisterAsync(users);

        var call = users.LoginAsync(new LoginRequest { Username = username, Password = password }, CookieMode);
        var pair = await call;
        Assert.Equal(string.Empty, pair.RefreshToken);
        Assert.NotEmpty(pair.AccessToken);
        Assert.Equal(username, pair.User.Username);

        var cookie = Assert.Single(jar.GetAllCookies());
        Assert.Equal(RefreshCookieTransforms.CookieName, cookie.Name);
        Assert.True(cookie.HttpOnly);
        Assert.True(cookie.Secure);
        Assert.Equal(RefreshCookieTransforms.CookiePath, cookie.Path);
        Assert.True(cookie.Expires > DateTime.Now.AddDays(29));
        var setCookie = (await call.ResponseHeadersAsync).GetValue("set-cookie") ?? string.Empty;
        Assert.Contains("samesite=strict", setCookie, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Refresh_and_logout_take_the_token_from_the_cookie_rotate_it_and_clear_it()
    {
        var jar = new CookieContainer();
        using var channel = BrowserChannel(jar);
        var users = new Live.V1.UserService.UserServiceClient(channel);
        var (username, password) = await RegisterAsync(users);
        await users.LoginAsync(new LoginRequest { Username = username, Password = password }, CookieMode);
        var first = Assert.Single(jar.GetAllCookies()).Value;

        var refreshed = await users.RefreshAsync(new RefreshRequest(), CookieMode);
        Assert.Equal(string.Empty, refreshed.RefreshToken);
        Assert.Equal(username, refreshed.User.Username);
        var second = Assert.Single(jar.GetAllCookies()).Value;
        Assert.NotEqual(first, second);
        await Env.PublicRooms.ListRoomsAsync(new ListRoomsRequest(), ProxyEnvironment.Bearer(refreshed.AccessToken));

        // The cookie held a real single-use refresh token: presenting the spent one revokes the sign-in.
        var reused = await Assert.ThrowsAsync<RpcException>(() => Env.PublicUsers.RefreshAsync(new RefreshRequest { RefreshToken = Uri.UnescapeDataString(first) }).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, reused.StatusCode);

        await users.LoginAsync(new LoginRequest { Username = username, Password = password }, CookieMode);
        var auth = ProxyEnvironment.Bearer((await users.RefreshAsync(new RefreshRequest(), CookieMode)).AccessToken);
        auth.Add(RefreshCookieTransforms.OptInHeader, "1");
        var logout = await users.LogoutAsync(new LogoutRequest(), auth);
        Assert.True(logout.Revoked);
        Assert.Empty(jar.GetAllCookies());
        var afterLogout = await Assert.ThrowsAsync<RpcException>(() => users.RefreshAsync(new RefreshRequest(), CookieMode).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, afterLogout.StatusCode);
    }

    [Fact]
    public async Task A_refresh_from_the_cookie_answers_in_the_cookie_even_when_the_caller_did_not_ask()
    {
        var jar = new CookieContainer();
        using var channel = BrowserChannel(jar);
        var users = new Live.V1.UserService.UserServiceClient(channel);
        var (username, password) = await RegisterAsync(users);
        await users.LoginAsync(new LoginRequest { Username = username, Password = password }, CookieMode);

        // A script in the page could call Refresh without the header: it still never reads the token.
        var refreshed = await users.RefreshAsync(new RefreshRequest());
        Assert.Equal(string.Empty, refreshed.RefreshToken);
        Assert.Single(jar.GetAllCookies());
    }

    [Fact]
    public async Task Native_and_gRPC_Web_clients_that_do_not_ask_get_the_token_in_the_message_and_no_cookie()
    {
        var jar = new CookieContainer();
        using var channel = BrowserChannel(jar);
        var users = new Live.V1.UserService.UserServiceClient(channel);
        var (username, password) = await RegisterAsync(users);

        var pair = await users.LoginAsync(new LoginRequest { Username = username, Password = password });
        Assert.NotEmpty(pair.RefreshToken);
        Assert.Empty(jar.GetAllCookies());

        var native = await Env.PublicUsers.LoginAsync(new LoginRequest { Username = username, Password = password }, CookieMode);
        Assert.NotEmpty(native.RefreshToken);
    }

    private static async Task<(string Username, string Password)> RegisterAsync(Live.V1.UserService.UserServiceClient users)
    {
        var username = "c" + Guid.NewGuid().ToString("N")[..12];
        const string password = "cookie-test-password";
        await users.RegisterAsync(new RegisterRequest { Username = username, Password = password });
        return (username, password);
    }

    /// <summary>A browser's view: gRPC-Web over HTTP/1.1 with a cookie jar.</summary>
    private GrpcChannel BrowserChannel(CookieContainer jar)
    {
        var handler = Env.Proxy.CreateHandler();
        handler.UseCookies = true;
        handler.CookieContainer = jar;
        return GrpcChannel.ForAddress(Env.Proxy.PublicAddress, new GrpcChannelOptions
        {
            HttpHandler = new GrpcWebHandler(GrpcWebMode.GrpcWeb, handler),
            HttpVersion = HttpVersion.Version11,
            HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            DisposeHttpClient = true,
        });
    }
}
