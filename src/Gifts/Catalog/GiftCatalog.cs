using Live.Gifts.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Live.Gifts.Catalog;

/// <summary>
/// The active gifts, read from MySQL and reused for <see cref="GiftsOptions.CatalogRefreshSeconds"/>: every send
/// needs the price, and the catalog is a handful of rows that change by migration or by an operator.
/// </summary>
public sealed class GiftCatalog(IServiceScopeFactory scopes, IOptions<GiftsOptions> options, TimeProvider time)
{
    private readonly SemaphoreSlim reload = new(1, 1);
    private Snapshot? current;

    public async Task<IReadOnlyList<GiftRecord>> ListAsync(CancellationToken ct) => (await GetAsync(ct)).Gifts;

    public async Task<GiftRecord?> FindAsync(int giftId, CancellationToken ct) =>
        (await GetAsync(ct)).ById.GetValueOrDefault(giftId);

    private async Task<Snapshot> GetAsync(CancellationToken ct)
    {
        var snapshot = Volatile.Read(ref current);
        if (snapshot is not null && time.GetUtcNow() < snapshot.ExpiresAt)
        {
            return snapshot;
        }

        await reload.WaitAsync(ct);
        try
        {
            snapshot = current;
            if (snapshot is not null && time.GetUtcNow() < snapshot.ExpiresAt)
            {
                return snapshot;
            }

            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<GiftsDbContext>();
            var gifts = await db.Catalog.AsNoTracking().Where(g => g.Active).OrderBy(g => g.Price).ThenBy(g => g.Id).ToListAsync(ct);
            snapshot = new Snapshot(gifts, gifts.ToDictionary(g => g.Id), time.GetUtcNow().AddSeconds(options.Value.CatalogRefreshSeconds));
            Volatile.Write(ref current, snapshot);
            return snapshot;
        }
        finally
        {
            reload.Release();
        }
    }

    private sealed record Snapshot(List<GiftRecord> Gifts, Dictionary<int, GiftRecord> ById, DateTimeOffset ExpiresAt);
}
