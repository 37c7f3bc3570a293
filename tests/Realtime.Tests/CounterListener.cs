using System.Diagnostics.Metrics;
using Live.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Live.Realtime.Tests;

/// <summary>Sums what one host adds to one counter (by name) while it listens; other hosts in the process are left out.</summary>
public sealed class CounterListener : IDisposable
{
    private readonly MeterListener listener = new();
    private long total;

    public CounterListener(TestHost host, string counterName)
    {
        var factory = host.Services.GetRequiredService<IMeterFactory>();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Scope == factory && instrument.Name == counterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref total, value));
        listener.Start();
    }

    public long Total => Interlocked.Read(ref total);

    public void Dispose() => listener.Dispose();
}
