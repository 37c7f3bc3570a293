using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using HdrHistogram;
using Live.V1;

namespace Live.Perf.CommerceLoad;

/// <summary>
/// Presses "buy" <see cref="LoadSettings.Attempts"/> times with <see cref="LoadSettings.Concurrency"/> in flight,
/// prints a progress line a second, then attempts/s, P50/P99/max and whether the sale sold more than its stock.
/// </summary>
public static class PurchaseLoad
{
    private const long HighestMicros = 60_000_000;

    public static async Task<int> RunAsync(LoadSettings settings, TextWriter output, CancellationToken ct)
    {
        using var setupChannel = GrpcChannel.ForAddress(settings.Commerce);
        var commerce = new CommerceServiceClient(setupChannel);
        var sale = settings.SaleId is { } saleId
            ? (await commerce.GetSaleAsync(new GetSaleRequest { SaleId = saleId }, cancellationToken: ct)).Sale
            : await CreateSaleAsync(settings, commerce, ct);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"sale {sale.Id}: {sale.RemainingStock} of {sale.InitialStock} left, {sale.PerUserLimit} per buyer; {settings.Attempts} attempts by {settings.Buyers} buyers, {settings.Concurrency} in flight, {settings.Connections} connections to {settings.Target}"));

        var channels = Enumerable.Range(0, settings.Connections).Select(_ => OpenChannel(settings)).ToArray();
        var headers = settings.Bearer is { } token ? new Metadata { { "authorization", "Bearer " + token } } : null;
        var tally = new Tally();
        var next = -1;
        var started = Stopwatch.GetTimestamp();
        var workers = Enumerable.Range(0, settings.Concurrency).Select(w => Task.Run(async () =>
        {
            var client = new CommerceServiceClient(channels[w % channels.Length]);
            var latencies = new LongHistogram(HighestMicros, 3);
            int i;
            while ((i = Interlocked.Increment(ref next)) < settings.Attempts && !ct.IsCancellationRequested)
            {
                var request = new PurchaseRequest
                {
                    SaleId = sale.Id,
                    BuyerUserId = 1_000_000_000L + (i % settings.Buyers),
                    IdempotencyKey = "load-" + i.ToString(CultureInfo.InvariantCulture),
                    Quantity = 1,
                };
                var before = Stopwatch.GetTimestamp();
                try
                {
                    var response = await client.PurchaseAsync(request, headers, cancellationToken: ct);
                    tally.Won(response.Replayed);
                }
                catch (RpcException ex)
                {
                    tally.Refused(ex);
                }

                latencies.RecordValue(Math.Min(HighestMicros, (long)Stopwatch.GetElapsedTime(before).TotalMicroseconds));
            }

            return latencies;
        }, CancellationToken.None)).ToArray();

        var all = Task.WhenAll(workers);
        while (await Task.WhenAny(all, Task.Delay(1_000, CancellationToken.None)) != all)
        {
            output.WriteLine(tally.Progress(Stopwatch.GetElapsedTime(started)));
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        var merged = new LongHistogram(HighestMicros, 3);
        foreach (var latencies in await all)
        {
            merged.Add(latencies);
        }

        foreach (var channel in channels)
        {
            channel.Dispose();
        }

        var after = (await commerce.GetSaleAsync(new GetSaleRequest { SaleId = sale.Id }, cancellationToken: CancellationToken.None)).Sale;
        var sold = sale.RemainingStock - after.RemainingStock;
        output.WriteLine(tally.Progress(elapsed));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"attempts/s {merged.TotalCount / elapsed.TotalSeconds:F0}  P50 {Ms(merged, 50)} ms  P99 {Ms(merged, 99)} ms  max {merged.GetMaxValue() / 1000.0:F1} ms  ({merged.TotalCount} attempts in {elapsed.TotalSeconds:F1} s)"));
        var oversold = tally.Winners > sale.RemainingStock || sold != tally.Winners;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"sold {sold} of the {sale.RemainingStock} that were left; {tally.Winners} buyers told they won; stock now {after.RemainingStock}: {(oversold ? "OVERSOLD or miscounted" : "0 oversell")}"));
        return oversold ? 2 : 0;
    }

    private static async Task<Sale> CreateSaleAsync(LoadSettings settings, CommerceServiceClient commerce, CancellationToken ct)
    {
        using var roomChannel = GrpcChannel.ForAddress(settings.Rooms);
        var rooms = new RoomServiceClient(roomChannel);
        const long anchor = 900_000_001;
        var room = await rooms.CreateRoomAsync(new CreateRoomRequest { AnchorUserId = anchor, Title = "CommerceLoad", Category = "shopping" }, cancellationToken: ct);
        await rooms.StartLiveAsync(new StartLiveRequest { RoomId = room.Id }, cancellationToken: ct);
        var product = await commerce.CreateProductAsync(new CreateProductRequest { AnchorUserId = anchor, Name = "Load test lamp", Price = 10 }, cancellationToken: ct);
        var scheduled = await commerce.ScheduleSaleAsync(new ScheduleSaleRequest
        {
            RoomId = room.Id,
            ProductId = product.Product.Id,
            Stock = settings.Stock,
            PerUserLimit = settings.Limit,
            EndsAt = Timestamp.FromDateTime(DateTime.UtcNow.AddHours(1)),
        }, cancellationToken: ct);
        return scheduled.Sale;
    }

    private static GrpcChannel OpenChannel(LoadSettings settings)
    {
        var handler = new SocketsHttpHandler { EnableMultipleHttp2Connections = false, PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan };
        if (settings.CaCert is { } path)
        {
            var trusted = X509Certificate2.CreateFromPem(File.ReadAllText(path));
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                errors == System.Net.Security.SslPolicyErrors.None
                || (certificate is not null && certificate.GetCertHash().AsSpan().SequenceEqual(trusted.GetCertHash()));
        }

        return GrpcChannel.ForAddress(settings.Target, new GrpcChannelOptions { HttpHandler = handler });
    }

    private static string Ms(LongHistogram histogram, double percentile) =>
        (histogram.GetValueAtPercentile(percentile) / 1000.0).ToString("F1", CultureInfo.InvariantCulture);

    /// <summary>Outcomes so far, updated by every worker.</summary>
    private sealed class Tally
    {
        private long winners;
        private long replayed;
        private long soldOut;
        private long overLimit;
        private long rateLimited;
        private long failed;
        private long lastTotal;
        private TimeSpan lastAt;

        public long Winners => Interlocked.Read(ref winners);

        public void Won(bool replay) => Interlocked.Increment(ref replay ? ref replayed : ref winners);

        public void Refused(RpcException ex)
        {
            switch (ex.StatusCode)
            {
                case StatusCode.ResourceExhausted when ex.Trailers.Get("retry-after") is not null:
                    Interlocked.Increment(ref rateLimited);
                    break;
                case StatusCode.ResourceExhausted:
                    Interlocked.Increment(ref soldOut);
                    break;
                case StatusCode.AlreadyExists:
                    Interlocked.Increment(ref overLimit);
                    break;
                default:
                    if (Interlocked.Increment(ref failed) <= 3)
                    {
                        Console.Error.WriteLine($"{ex.StatusCode}: {ex.Status.Detail}");
                    }

                    break;
            }
        }

        /// <summary>One line: totals and the rate since the previous line (called from one thread).</summary>
        public string Progress(TimeSpan elapsed)
        {
            var total = Winners + Interlocked.Read(ref replayed) + Interlocked.Read(ref soldOut) + Interlocked.Read(ref overLimit)
                + Interlocked.Read(ref rateLimited) + Interlocked.Read(ref failed);
            var rate = (total - lastTotal) / Math.Max(0.001, (elapsed - lastAt).TotalSeconds);
            lastTotal = total;
            lastAt = elapsed;
            return string.Create(CultureInfo.InvariantCulture,
                $"{elapsed.TotalSeconds,6:F1} s  {total,9} attempts  {rate,8:F0}/s  won {Winners}  sold out {Interlocked.Read(ref soldOut)}  over limit {Interlocked.Read(ref overLimit)}  rate-limited {Interlocked.Read(ref rateLimited)}  replayed {Interlocked.Read(ref replayed)}  failed {Interlocked.Read(ref failed)}");
        }
    }
}
