using Live.Proxy.Telemetry;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Live.Proxy.Auth;

/// <summary>
/// UserService's signing keys, fetched from its JWKS: at start, every JwksRefreshSeconds, and when a token
/// names a key id not held yet (at most once per JwksMinRefreshSeconds). A failed fetch keeps the last good
/// set. Only RSA signature keys are taken; anything else in the document is ignored.
/// </summary>
public sealed class JwksKeySource(
    IHttpClientFactory httpClients,
    IOptions<ProxyAuthOptions> options,
    ProxyMetrics metrics,
    TimeProvider time,
    ILogger<JwksKeySource> logger) : BackgroundService, IHealthCheck
{
    public const string HttpClientName = "jwks";

    private readonly ProxyAuthOptions options = options.Value;
    private readonly SemaphoreSlim fetchGate = new(1, 1);
    private volatile Dictionary<string, SecurityKey> keys = new(StringComparer.Ordinal);
    private long lastFetchTicks = long.MinValue;

    public IReadOnlyCollection<SecurityKey> Keys => keys.Values;

    public bool TryGet(string? kid, out SecurityKey? key)
    {
        key = null;
        return kid is not null && keys.TryGetValue(kid, out key);
    }

    /// <summary>
    /// Fetches for a key id not held: at once, or when the minimum interval since the last fetch has passed
    /// (so a request waits at most that long). Concurrent callers share one fetch; the caller checks the
    /// key again afterwards.
    /// </summary>
    public async Task RefreshForUnknownKidAsync(string kid, CancellationToken ct)
    {
        var askedAt = time.GetTimestamp();
        var lastFetch = Interlocked.Read(ref lastFetchTicks);
        // Before any fetch there is no interval to wait out (and the elapsed time since long.MinValue overflows
        // into a delay of centuries, which Task.Delay refuses with ArgumentOutOfRangeException).
        var wait = lastFetch == long.MinValue
            ? TimeSpan.Zero
            : TimeSpan.FromSeconds(options.JwksMinRefreshSeconds) - time.GetElapsedTime(lastFetch);
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, time, ct);
        }

        await fetchGate.WaitAsync(ct);
        try
        {
            // A fetch that started after this caller asked has seen every key published before the token was
            // issued; otherwise fetch now. (Comparing elapsed time instead failed when the timer woke a hair early.)
            if (!keys.ContainsKey(kid) && Interlocked.Read(ref lastFetchTicks) < askedAt)
            {
                await FetchAsync(ct);
            }
        }
        finally
        {
            fetchGate.Release();
        }
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(keys.Count > 0
            ? HealthCheckResult.Healthy($"{keys.Count} signing key(s)")
            : HealthCheckResult.Unhealthy($"No signing keys loaded from {options.JwksUrl} yet"));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            bool ok;
            await fetchGate.WaitAsync(stoppingToken);
            try
            {
                ok = await FetchAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            finally
            {
                fetchGate.Release();
            }

            // Until the first keys arrive, every token is refused: retry quickly.
            var wait = ok || keys.Count > 0 ? TimeSpan.FromSeconds(options.JwksRefreshSeconds) : TimeSpan.FromSeconds(1);
            try
            {
                await Task.Delay(wait, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task<bool> FetchAsync(CancellationToken ct)
    {
        Interlocked.Exchange(ref lastFetchTicks, time.GetTimestamp());
        try
        {
            var http = httpClients.CreateClient(HttpClientName);
            var json = await http.GetStringAsync(options.JwksUrl, ct);
            var set = new JsonWebKeySet(json);
            var fresh = new Dictionary<string, SecurityKey>(StringComparer.Ordinal);
            foreach (var jwk in set.Keys)
            {
                if (jwk.Kty != JsonWebAlgorithmsKeyTypes.RSA || string.IsNullOrEmpty(jwk.Kid) || (jwk.Use is { Length: > 0 } use && use != "sig"))
                {
                    continue;
                }

                if (fresh.Count == options.MaxKeys)
                {
                    Log.JwksTooLarge(logger, options.JwksUrl, set.Keys.Count, options.MaxKeys);
                    break;
                }

                fresh[jwk.Kid] = jwk;
            }

            if (fresh.Count == 0)
            {
                throw new InvalidOperationException("the document has no RSA signing keys");
            }

            if (!SameKids(keys, fresh))
            {
                Log.JwksLoaded(logger, fresh.Count, options.JwksUrl);
            }

            keys = fresh;
            metrics.JwksFetched("ok");
            return true;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or ArgumentException or InvalidOperationException or System.Text.Json.JsonException && !ct.IsCancellationRequested)
        {
            metrics.JwksFetched("failed");
            Log.JwksFetchFailed(logger, options.JwksUrl, keys.Count, ex.Message);
            return false;
        }
    }

    private static bool SameKids(Dictionary<string, SecurityKey> a, Dictionary<string, SecurityKey> b)
    {
        if (a.Count != b.Count)
        {
            return false;
        }

        foreach (var kid in a.Keys)
        {
            if (!b.ContainsKey(kid))
            {
                return false;
            }
        }

        return true;
    }
}
