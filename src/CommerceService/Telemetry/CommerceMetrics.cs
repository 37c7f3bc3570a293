using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Live.CommerceService.Telemetry;

public sealed class CommerceMetrics : IDisposable
{
    public const string Name = "Live.CommerceService";
    public static readonly ActivitySource ActivitySource = new(Name);

    private readonly Meter meter;
    private readonly Counter<long> purchases;
    private readonly Counter<long> ordersWritten;
    private readonly Counter<long> ordersPaid;
    private readonly Counter<long> ordersExpired;
    private readonly ConcurrentDictionary<long, long> differences = new();

    public CommerceMetrics(IMeterFactory meterFactory)
    {
        meter = meterFactory.Create(Name);
        purchases = meter.CreateCounter<long>("live.commerce.purchases", description: "Purchase attempts by outcome (reserved, replayed, sold_out, over_limit, not_open, ...).");
        ordersWritten = meter.CreateCounter<long>("live.commerce.orders.written", description: "Orders the writer inserted (duplicates from redelivery not counted).");
        ordersPaid = meter.CreateCounter<long>("live.commerce.orders.paid", description: "Orders debited from the buyer's balance.");
        ordersExpired = meter.CreateCounter<long>("live.commerce.orders.expired", description: "Orders not paid in time whose units went back to the sale.");
        meter.CreateObservableGauge("live.commerce.reconciliation.difference", ObserveDifferences,
            description: "Per sale: initial stock − Redis stock − units in MySQL orders, at the last reconciliation (0 when it holds).");
    }

    public void Purchase(string outcome) => purchases.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void OrdersWritten(int count) => ordersWritten.Add(count);

    public void OrderPaid() => ordersPaid.Add(1);

    public void OrderExpired() => ordersExpired.Add(1);

    /// <summary>The last reconciliation's differences, one per sale it looked at; replaces the previous pass's.</summary>
    public void Reconciled(IReadOnlyDictionary<long, long> bySale)
    {
        differences.Clear();
        foreach (var (sale, difference) in bySale)
        {
            differences[sale] = difference;
        }
    }

    public void Dispose() => meter.Dispose();

    private IEnumerable<Measurement<long>> ObserveDifferences()
    {
        foreach (var (sale, difference) in differences)
        {
            yield return new Measurement<long>(difference, new KeyValuePair<string, object?>("sale_id", sale));
        }
    }
}
