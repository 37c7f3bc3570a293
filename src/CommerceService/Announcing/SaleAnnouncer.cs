using System.Collections.Concurrent;
using System.Globalization;
using System.Threading.Channels;
using Grpc.Core;
using Live.CommerceService.Sales;
using Live.CommerceService.Telemetry;
using Live.V1;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Live.CommerceService.Announcing;

/// <summary>
/// Tells a sale's room what happens to it, as system messages through MessageService's Publish (rooms never
/// sample system messages out): "sale started", "N left" at most once per
/// <see cref="CommerceOptions.StockAnnounceIntervalMs"/> across every node, and "sold out". One background loop
/// publishes; purchases only note the stock they left, so the hot path never waits for a room.
/// </summary>
public sealed class SaleAnnouncer(
    MessageServiceClient messages,
    IConnectionMultiplexer redis,
    IOptions<CommerceOptions> options,
    ILogger<SaleAnnouncer> logger) : BackgroundService
{
    private const int QueueCapacity = 1_024;
    private const int MaxTrackedSales = 10_000;

    private readonly Channel<Announcement> queue = Channel.CreateBounded<Announcement>(
        new BoundedChannelOptions(QueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    // Sale → the latest stock a purchase on this node left, until the next tick announces it.
    private readonly ConcurrentDictionary<long, StockNote> stock = new();
    private readonly TimeSpan interval = TimeSpan.FromMilliseconds(options.Value.StockAnnounceIntervalMs);

    public void SaleStarted(long saleId, long roomId, string productName, int stockLeft, long unitPrice) =>
        Enqueue(new Announcement(saleId, roomId, "started",
            string.Create(CultureInfo.InvariantCulture, $"Sale {saleId} started: {productName}, {stockLeft} at {unitPrice} coins")));

    /// <summary>A purchase left <paramref name="remaining"/> units; the last unit's buyer announces "sold out" at once.</summary>
    public void StockChanged(long saleId, long roomId, int remaining, bool tookLast)
    {
        if (tookLast)
        {
            stock.TryRemove(saleId, out _);
            Enqueue(new Announcement(saleId, roomId, "sold_out", string.Create(CultureInfo.InvariantCulture, $"Sale {saleId} is sold out")));
            return;
        }

        if (stock.Count >= MaxTrackedSales && !stock.ContainsKey(saleId))
        {
            return;
        }

        stock[saleId] = new StockNote(roomId, remaining);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var ticks = Task.Run(() => TickAsync(stoppingToken), CancellationToken.None);
        try
        {
            await foreach (var announcement in queue.Reader.ReadAllAsync(stoppingToken))
            {
                await PublishAsync(announcement, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        await ticks;
    }

    private async Task TickAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                foreach (var saleId in stock.Keys)
                {
                    if (!stock.TryRemove(saleId, out var note) || note.Remaining == 0)
                    {
                        continue;
                    }

                    // One node per interval says it: the others' notes of the same second are dropped.
                    if (await TryClaimAsync(saleId))
                    {
                        Enqueue(new Announcement(saleId, note.RoomId, "stock_left",
                            string.Create(CultureInfo.InvariantCulture, $"Sale {saleId}: {note.Remaining} left")));
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task<bool> TryClaimAsync(long saleId)
    {
        try
        {
            return await redis.GetDatabase().StringSetAsync(SaleKeys.For(saleId).StockAnnounced, 1, interval, When.NotExists);
        }
        catch (RedisException ex)
        {
            Log.AnnouncementRefused(logger, 0, saleId, "stock_left", ex.Message);
            return false;
        }
    }

    private void Enqueue(Announcement announcement)
    {
        if (!queue.Writer.TryWrite(announcement))
        {
            Log.AnnouncementDropped(logger, announcement.SaleId, announcement.Kind);
        }
    }

    private async Task PublishAsync(Announcement announcement, CancellationToken ct)
    {
        try
        {
            await messages.PublishAsync(
                new PublishRequest { RoomId = announcement.RoomId, Kind = MessageKind.System, Content = announcement.Text },
                deadline: DateTime.UtcNow.AddSeconds(3),
                cancellationToken: ct);
        }
        catch (RpcException ex) when (!ct.IsCancellationRequested)
        {
            Log.AnnouncementRefused(logger, announcement.RoomId, announcement.SaleId, announcement.Kind, ex.Status.Detail);
        }
    }

    private readonly record struct StockNote(long RoomId, int Remaining);

    private sealed record Announcement(long SaleId, long RoomId, string Kind, string Text);
}
