using System.Collections.Concurrent;
using Live.CommerceService.Data;
using Microsoft.EntityFrameworkCore;

namespace Live.CommerceService.Sales;

/// <summary>
/// The room of each sale, read from MySQL once per node and kept (a sale never changes rooms), so a room pass is
/// checked in memory. Concurrent first presses share one query. Bounded: past <see cref="MaxSales"/> entries all
/// are forgotten and read again on demand.
/// </summary>
public sealed class SaleRooms(IServiceScopeFactory scopes)
{
    private const int MaxSales = 10_000;
    private readonly ConcurrentDictionary<long, Lazy<Task<long>>> rooms = new();

    /// <returns>The sale's room, or 0 when no such sale exists.</returns>
    public async Task<long> RoomOfAsync(long saleId, CancellationToken ct)
    {
        if (!rooms.TryGetValue(saleId, out var lookup))
        {
            if (rooms.Count >= MaxSales)
            {
                rooms.Clear();
            }

            lookup = rooms.GetOrAdd(saleId, id => new Lazy<Task<long>>(() => ReadAsync(id)));
        }

        try
        {
            var room = await lookup.Value.WaitAsync(ct);
            if (room == 0)
            {
                // Not cached: a sale scheduled on another node a moment ago must be found on the next press.
                rooms.TryRemove(new KeyValuePair<long, Lazy<Task<long>>>(saleId, lookup));
            }

            return room;
        }
        catch (Exception) when (!ct.IsCancellationRequested)
        {
            rooms.TryRemove(new KeyValuePair<long, Lazy<Task<long>>>(saleId, lookup));
            throw;
        }
    }

    private async Task<long> ReadAsync(long saleId)
    {
        // Shared by every press waiting on it, so no one caller's cancellation ends it.
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CommerceDbContext>();
        return await db.Sales.AsNoTracking().Where(s => s.Id == saleId).Select(s => s.RoomId).FirstOrDefaultAsync(CancellationToken.None);
    }
}
