using System.Runtime.InteropServices;

namespace Live.Edge.Telemetry;

/// <summary>
/// A count added to once per frame written, from every thread that writes: each processor adds to a slot on a
/// cache line of its own, so writers on different cores do not contend for one, and the metric reads the sum
/// when it is collected. Sums read while adds happen may miss the newest adds, never count one twice.
/// </summary>
internal sealed class StripedCounter
{
    private readonly Slot[] slots = new Slot[Math.Max(1, Environment.ProcessorCount)];

    public void Add(long value) => Interlocked.Add(ref slots[Thread.GetCurrentProcessorId() % slots.Length].Value, value);

    public long Sum()
    {
        long sum = 0;
        for (var i = 0; i < slots.Length; i++)
        {
            sum += Volatile.Read(ref slots[i].Value);
        }

        return sum;
    }

    /// <summary>A 64-bit count padded to a 64-byte cache line.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 64)]
    private struct Slot
    {
        [FieldOffset(0)]
        public long Value;
    }
}
