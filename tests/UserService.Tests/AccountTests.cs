using Grpc.Core;
using Live.UserService.Data;
using Live.V1;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Live.UserService.Tests;

public sealed class AccountTests(UserServiceFixture fixture) : IClassFixture<UserServiceFixture>
{
    private readonly UserServiceClient client = fixture.ClientA;

    [Fact]
    public async Task Register_then_login_returns_tokens_and_the_profile()
    {
        var username = "Alice" + Guid.NewGuid().ToString("N")[..8];
        var user = await client.RegisterAsync(new RegisterRequest { Username = username, Password = "s3cret-pass", DisplayName = "  Alice 🌸 ", AsAnchor = true });
        Assert.True(user.UserId > 0);
        Assert.Equal("Alice 🌸", user.DisplayName);
        Assert.Equal(1, user.Level);
        Assert.Equal([Role.Viewer, Role.Anchor], user.Roles);

        // Usernames are unique regardless of case, and logins find them regardless of case too.
        var duplicate = await Assert.ThrowsAsync<RpcException>(() =>
            client.RegisterAsync(new RegisterRequest { Username = username.ToUpperInvariant(), Password = "another-pass" }).ResponseAsync);
        Assert.Equal(StatusCode.AlreadyExists, duplicate.StatusCode);
        Assert.Contains("is taken", duplicate.Status.Detail);

        var tokens = await client.LoginAsync(new LoginRequest { Username = username.ToLowerInvariant(), Password = "s3cret-pass" });
        Assert.Equal("Bearer", tokens.TokenType);
        Assert.Equal(3, tokens.AccessToken.Split('.').Length);
        Assert.False(string.IsNullOrEmpty(tokens.RefreshToken));
        Assert.Equal(user.UserId, tokens.User.UserId);
        var lifetime = tokens.AccessTokenExpiresAt.ToDateTime() - DateTime.UtcNow;
        Assert.InRange(lifetime, TimeSpan.FromMinutes(4), TimeSpan.FromMinutes(5.1));
    }

    [Fact]
    public async Task Wrong_passwords_and_unknown_users_get_the_same_answer()
    {
        var (user, _, _) = await fixture.RegisterAndLoginAsync();
        var wrong = await Assert.ThrowsAsync<RpcException>(() => client.LoginAsync(new LoginRequest { Username = user.Username, Password = "not the password" }).ResponseAsync);
        var unknown = await Assert.ThrowsAsync<RpcException>(() => client.LoginAsync(new LoginRequest { Username = "nobody" + Guid.NewGuid().ToString("N")[..8], Password = "whatever1" }).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, wrong.StatusCode);
        Assert.Equal(wrong.Status.Detail, unknown.Status.Detail);
    }

    [Fact]
    public async Task Passwords_are_stored_only_as_hashes()
    {
        var (user, _, password) = await fixture.RegisterAndLoginAsync();
        await using var scope = fixture.A.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<UsersDbContext>();
        var hash = await db.Users.Where(u => u.Id == user.UserId).Select(u => u.PasswordHash).SingleAsync();
        Assert.DoesNotContain(password, hash);
        // ASP.NET Core Identity v3 format: a 0x01 marker byte, so base64 "AQAAAA".
        Assert.StartsWith("AQAAAA", hash);
        Assert.DoesNotContain(fixture.A.Logs.Entries, e => e.Message.Contains(password));
    }

    [Fact]
    public async Task Bad_input_is_rejected_with_the_rule()
    {
        var cases = new (RegisterRequest Request, string Reason)[]
        {
            (new RegisterRequest { Username = "ab", Password = "longenough" }, "username must be 3 to 32 characters"),
            (new RegisterRequest { Username = "has space", Password = "longenough" }, "username must be 3 to 32 characters"),
            (new RegisterRequest { Username = "shortpw", Password = "short" }, "password must be 8 to 128 characters; got 5"),
            (new RegisterRequest { Username = "longname", Password = "longenough", DisplayName = new string('x', 65) }, "display_name must be 1 to 64 characters; got 65"),
            (new RegisterRequest { Username = "ctrlname", Password = "longenough", DisplayName = "a\u0001b" }, "control characters"),
        };
        foreach (var (request, reason) in cases)
        {
            var error = await Assert.ThrowsAsync<RpcException>(() => client.RegisterAsync(request).ResponseAsync);
            Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
            Assert.Contains(reason, error.Status.Detail);
        }

        var emptyLogin = await Assert.ThrowsAsync<RpcException>(() => client.LoginAsync(new LoginRequest()).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, emptyLogin.StatusCode);
    }

    [Fact]
    public async Task Profiles_are_read_in_batches_and_users_edit_only_their_own()
    {
        var (first, _, _) = await fixture.RegisterAndLoginAsync();
        var (second, _, _) = await fixture.RegisterAndLoginAsync();

        var batch = await client.GetUsersAsync(new GetUsersRequest { UserIds = { second.UserId, 999_999_999, first.UserId, second.UserId } });
        Assert.Equal([second.UserId, first.UserId], batch.Users.Select(u => u.UserId));
        Assert.Equal([999_999_999L], batch.MissingUserIds);

        var renamed = await client.UpdateProfileAsync(
            new UpdateProfileRequest { DisplayName = "New name" },
            UserServiceFixture.SignedAs("UpdateProfile", first.UserId, "viewer"));
        Assert.Equal(first.UserId, renamed.UserId);
        Assert.Equal("New name", renamed.DisplayName);

        var other = await Assert.ThrowsAsync<RpcException>(() => client.UpdateProfileAsync(
            new UpdateProfileRequest { UserId = second.UserId, DisplayName = "Hijacked" },
            UserServiceFixture.SignedAs("UpdateProfile", first.UserId, "viewer")).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, other.StatusCode);

        var level = await Assert.ThrowsAsync<RpcException>(() => client.UpdateProfileAsync(
            new UpdateProfileRequest { Level = 50 },
            UserServiceFixture.SignedAs("UpdateProfile", first.UserId, "viewer")).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, level.StatusCode);

        var promoted = await client.UpdateProfileAsync(
            new UpdateProfileRequest { UserId = second.UserId, Level = 50 },
            UserServiceFixture.SignedAs("UpdateProfile", first.UserId, "viewer", "admin"));
        Assert.Equal(50, promoted.Level);

        var mine = await client.GetProfileAsync(new GetProfileRequest(), UserServiceFixture.SignedAs("GetProfile", second.UserId, "viewer"));
        Assert.Equal(50, mine.Level);
    }

    [Fact]
    public async Task A_profile_or_role_change_through_one_replica_reaches_the_other_by_notice()
    {
        var (user, _, _) = await fixture.RegisterAndLoginAsync();
        var read = new GetProfileRequest { UserId = user.UserId };
        Assert.Equal(user.DisplayName, (await fixture.ClientB.GetProfileAsync(read)).DisplayName);

        await fixture.ClientA.UpdateProfileAsync(new UpdateProfileRequest { UserId = user.UserId, DisplayName = "Renamed on A" });
        Assert.Equal("Renamed on A", (await fixture.ClientA.GetProfileAsync(read)).DisplayName);
        var renamed = await UntilAsync(() => fixture.ClientB.GetProfileAsync(read).ResponseAsync, p => p.DisplayName == "Renamed on A");
        Assert.Equal("Renamed on A", renamed.DisplayName);

        await fixture.ClientA.SetUserRolesAsync(new SetUserRolesRequest { UserId = user.UserId, Roles = { Role.Viewer, Role.Anchor } });
        var promoted = await UntilAsync(() => fixture.ClientB.GetProfileAsync(read).ResponseAsync, p => p.Roles.Contains(Role.Anchor));
        Assert.Contains(Role.Anchor, promoted.Roles);
    }

    private static async Task<T> UntilAsync<T>(Func<Task<T>> read, Func<T, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(3);
        while (true)
        {
            var value = await read();
            if (done(value) || DateTime.UtcNow > deadline)
            {
                return value;
            }

            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task Identity_not_signed_by_the_proxy_is_refused()
    {
        var (user, _, _) = await fixture.RegisterAndLoginAsync();
        var forged = new Metadata { { "x-user-id", user.UserId.ToString(System.Globalization.CultureInfo.InvariantCulture) }, { "x-user-roles", "admin" } };
        var noProof = await Assert.ThrowsAsync<RpcException>(() => client.BanUserAsync(new BanUserRequest { UserId = user.UserId, Reason = "x" }, forged).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, noProof.StatusCode);
        Assert.Contains("without the proxy's proof", noProof.Status.Detail);

        // A genuine proof for another method, or for other header values, does not carry over.
        var signedForOther = UserServiceFixture.SignedAs("GetProfile", user.UserId, "viewer", "admin");
        var replayed = await Assert.ThrowsAsync<RpcException>(() => client.BanUserAsync(new BanUserRequest { UserId = user.UserId, Reason = "x" }, signedForOther).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, replayed.StatusCode);
        Assert.Contains("does not match", replayed.Status.Detail);

        var escalated = UserServiceFixture.SignedAs("BanUser", user.UserId, "viewer");
        escalated.Remove(escalated.Get("x-user-roles")!);
        escalated.Add("x-user-roles", "viewer,admin");
        var tampered = await Assert.ThrowsAsync<RpcException>(() => client.BanUserAsync(new BanUserRequest { UserId = user.UserId, Reason = "x" }, escalated).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, tampered.StatusCode);
    }
}
