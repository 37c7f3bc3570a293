using Live.ServiceDefaults.Grpc;
using Live.ServiceDefaults.Identity;
using Live.UserService.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using MySqlConnector;

namespace Live.UserService.Accounts;

/// <summary>Accounts in MySQL. Passwords are kept only as ASP.NET Core Identity hashes (PBKDF2, salted).</summary>
public sealed class AccountStore(UsersDbContext db, IPasswordHasher<UserRecord> hasher, TimeProvider time)
{
    public const int MaxBatch = 500;

    /// <summary>Verified against when the username is unknown, so both failures take the same time.</summary>
    private static readonly Lazy<string> DummyHash = new(() => new PasswordHasher<UserRecord>().HashPassword(new UserRecord(), "not-a-real-password"));

    public async Task<UserRecord> RegisterAsync(string username, string password, string displayName, bool asAnchor, CancellationToken ct)
    {
        var now = Now();
        var user = new UserRecord
        {
            Username = username,
            NormalizedUsername = AccountValidator.Normalize(username),
            DisplayName = displayName,
            Level = 1,
            Roles = UserMapping.JoinRoles(asAnchor ? [PlatformRoles.Anchor] : []),
            CreatedAt = now,
            UpdatedAt = now,
        };
        // Checked first so the common case is a clean answer; the unique index still decides a race.
        if (await db.Users.AnyAsync(u => u.NormalizedUsername == user.NormalizedUsername, ct))
        {
            RpcErrors.AlreadyExists($"username '{username}' is taken.");
        }

        user.PasswordHash = hasher.HashPassword(user, password);
        db.Users.Add(user);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException ex) when (ex.InnerException is MySqlException { ErrorCode: MySqlErrorCode.DuplicateKeyEntry })
        {
            RpcErrors.AlreadyExists($"username '{username}' is taken.");
        }

        return user;
    }

    /// <summary>The user when the password is right, otherwise null. Rehashes when the hasher asks to.</summary>
    public async Task<UserRecord?> VerifyPasswordAsync(string username, string password, CancellationToken ct)
    {
        var normalized = AccountValidator.Normalize(username);
        var user = await db.Users.FirstOrDefaultAsync(u => u.NormalizedUsername == normalized, ct);
        if (user is null)
        {
            hasher.VerifyHashedPassword(new UserRecord(), DummyHash.Value, password);
            return null;
        }

        var result = hasher.VerifyHashedPassword(user, user.PasswordHash, password);
        if (result == PasswordVerificationResult.Failed)
        {
            return null;
        }

        if (result == PasswordVerificationResult.SuccessRehashNeeded)
        {
            user.PasswordHash = hasher.HashPassword(user, password);
            user.UpdatedAt = Now();
            await db.SaveChangesAsync(ct);
        }

        return user;
    }

    public Task<UserRecord?> FindAsync(long userId, CancellationToken ct) =>
        db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == userId, ct);

    public async Task<UserRecord> RequireAsync(long userId, CancellationToken ct)
    {
        var user = await FindAsync(userId, ct);
        if (user is null)
        {
            RpcErrors.NotFound($"user {userId} does not exist.");
        }

        return user;
    }

    public async Task<List<UserRecord>> FindManyAsync(IReadOnlyCollection<long> userIds, CancellationToken ct) =>
        await db.Users.AsNoTracking().Where(u => userIds.Contains(u.Id)).ToListAsync(ct);

    public async Task<UserRecord> UpdateAsync(long userId, string? displayName, int? level, CancellationToken ct)
    {
        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == userId, ct);
        if (user is null)
        {
            RpcErrors.NotFound($"user {userId} does not exist.");
        }

        user.DisplayName = displayName ?? user.DisplayName;
        user.Level = level ?? user.Level;
        user.UpdatedAt = Now();
        await db.SaveChangesAsync(ct);
        return user;
    }

    public async Task<UserRecord> SetRolesAsync(long userId, IEnumerable<string> roles, CancellationToken ct)
    {
        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == userId, ct);
        if (user is null)
        {
            RpcErrors.NotFound($"user {userId} does not exist.");
        }

        user.Roles = UserMapping.JoinRoles(roles);
        user.UpdatedAt = Now();
        await db.SaveChangesAsync(ct);
        return user;
    }

    private DateTime Now()
    {
        // MySQL datetime(6) keeps microseconds; trimming here keeps returned and re-read values identical.
        var now = time.GetUtcNow().UtcDateTime;
        return new DateTime(now.Ticks - now.Ticks % 10, DateTimeKind.Utc);
    }
}
