using System.Security.Cryptography;
using System.Text.Json;
using Live.ServiceDefaults.Grpc;
using Live.UserService.Data;
using Live.UserService.Telemetry;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Live.UserService.Tokens;

/// <summary>
/// The RSA keys every UserService process signs and verifies with, loaded from `signing_keys` and reloaded
/// every few seconds so a rotation made on one process reaches all of them. The newest key that is not
/// retired signs; all keys not retired are published in the JWKS, which is what lets tokens signed before a
/// rotation keep verifying until their key is retired.
/// </summary>
public sealed class SigningKeyRing(
    IServiceScopeFactory scopes,
    IOptions<TokenIssuingOptions> options,
    TimeProvider time,
    ILogger<SigningKeyRing> logger) : BackgroundService
{
    private readonly TokenIssuingOptions options = options.Value;
    private readonly Dictionary<string, RsaSecurityKey> imported = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim reloadGate = new(1, 1);
    private volatile KeySet? current;

    public sealed record KeySet(RsaSecurityKey Signer, IReadOnlyList<RsaSecurityKey> Active, string JwksJson);

    /// <summary>The keys in force; available once the host has started.</summary>
    public KeySet Current => current ?? throw new InvalidOperationException("The signing keys have not been loaded yet.");

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        // Start-up waits for a usable key: a UserService that cannot sign must not report ready.
        await EnsureSignerAsync(cancellationToken);
        await ReloadAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.KeyRefreshSeconds), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await ReloadAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Log.SigningKeyReloadFailed(logger, current?.Active.Count ?? 0, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Creates a key that signs from now on; the previous ones keep verifying.</summary>
    public async Task<SigningKeyRecord> RotateAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<UsersDbContext>();
        var record = await CreateKeyAsync(db, ct);
        await ReloadAsync(ct);
        return record;
    }

    /// <summary>Takes a key out of the JWKS. The signer cannot be retired: rotate first.</summary>
    public async Task<SigningKeyRecord> RetireAsync(string kid, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<UsersDbContext>();
        // No lock needed: only the newest key is refused, and a rotation racing this makes the check stricter, not looser.
        var record = await db.SigningKeys.FirstOrDefaultAsync(k => k.Kid == kid, ct);
        if (record is null)
        {
            RpcErrors.NotFound($"signing key '{kid}' does not exist.");
        }

        if (record.RetiredAt is null)
        {
            var signer = await SignerKidAsync(db, ct);
            if (signer == kid)
            {
                RpcErrors.FailedPrecondition($"signing key '{kid}' signs new tokens; rotate to a new key before retiring it.");
            }

            record.RetiredAt = Now();
            await db.SaveChangesAsync(ct);
            Log.SigningKeyRetired(logger, kid);
        }

        await ReloadAsync(ct);
        return record;
    }

    public async Task<(List<SigningKeyRecord> Keys, string? SignerKid)> ListAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<UsersDbContext>();
        var keys = await db.SigningKeys.AsNoTracking().OrderByDescending(k => k.CreatedAt).ThenByDescending(k => k.Kid).ToListAsync(ct);
        return (keys, await SignerKidAsync(db, ct));
    }

    private static Task<string?> SignerKidAsync(UsersDbContext db, CancellationToken ct) =>
        db.SigningKeys.Where(k => k.RetiredAt == null)
            .OrderByDescending(k => k.CreatedAt).ThenByDescending(k => k.Kid)
            .Select(k => k.Kid).FirstOrDefaultAsync(ct);

    private async Task EnsureSignerAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<UsersDbContext>();
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            // Processes starting together take turns, so a fresh database gets one first key, not one each.
            await db.Database.SqlQuery<int?>($"SELECT GET_LOCK(CONCAT('signing_keys.', DATABASE()), 10) AS Value").SingleAsync(ct);
            try
            {
                if (!await db.SigningKeys.AnyAsync(k => k.RetiredAt == null, ct))
                {
                    await CreateKeyAsync(db, ct);
                }
            }
            finally
            {
                await db.Database.SqlQuery<int?>($"SELECT RELEASE_LOCK(CONCAT('signing_keys.', DATABASE())) AS Value").SingleAsync(CancellationToken.None);
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private async Task<SigningKeyRecord> CreateKeyAsync(UsersDbContext db, CancellationToken ct)
    {
        using var rsa = RSA.Create(options.RsaKeySize);
        var record = new SigningKeyRecord
        {
            Kid = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)),
            PrivateKey = rsa.ExportPkcs8PrivateKey(),
            CreatedAt = Now(),
        };
        db.SigningKeys.Add(record);
        await db.SaveChangesAsync(ct);
        Log.SigningKeyCreated(logger, record.Kid);
        return record;
    }

    private async Task ReloadAsync(CancellationToken ct)
    {
        await reloadGate.WaitAsync(ct);
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<UsersDbContext>();
            var records = await db.SigningKeys.AsNoTracking().Where(k => k.RetiredAt == null)
                .OrderByDescending(k => k.CreatedAt).ThenByDescending(k => k.Kid).ToListAsync(ct);
            if (records.Count == 0)
            {
                throw new InvalidOperationException("No signing key is active; rotate to create one.");
            }

            var active = new List<RsaSecurityKey>(records.Count);
            foreach (var record in records)
            {
                if (!imported.TryGetValue(record.Kid, out var key))
                {
                    var rsa = RSA.Create();
                    rsa.ImportPkcs8PrivateKey(record.PrivateKey, out _);
                    key = new RsaSecurityKey(rsa) { KeyId = record.Kid };
                    imported[record.Kid] = key;
                }

                active.Add(key);
            }

            // Retired keys are forgotten, which keeps the imported set as small as the active one.
            foreach (var kid in imported.Keys.ToList())
            {
                if (!active.Exists(k => k.KeyId == kid))
                {
                    imported.Remove(kid);
                }
            }

            current = new KeySet(active[0], active, BuildJwks(active));
        }
        finally
        {
            reloadGate.Release();
        }
    }

    /// <summary>The public halves only: modulus and exponent.</summary>
    private static string BuildJwks(IReadOnlyList<RsaSecurityKey> keys)
    {
        var jwks = new List<Dictionary<string, string>>(keys.Count);
        foreach (var key in keys)
        {
            var parameters = key.Rsa.ExportParameters(includePrivateParameters: false);
            jwks.Add(new Dictionary<string, string>
            {
                ["kty"] = "RSA",
                ["use"] = "sig",
                ["alg"] = SecurityAlgorithms.RsaSha256,
                ["kid"] = key.KeyId,
                ["n"] = Base64UrlEncoder.Encode(parameters.Modulus),
                ["e"] = Base64UrlEncoder.Encode(parameters.Exponent),
            });
        }

        return JsonSerializer.Serialize(new { keys = jwks });
    }

    private DateTime Now()
    {
        var now = time.GetUtcNow().UtcDateTime;
        return new DateTime(now.Ticks - now.Ticks % 10, DateTimeKind.Utc);
    }
}
