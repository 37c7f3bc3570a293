using HdrHistogram;

namespace Live.Tools.LoadGen.Measurement;

/// <summary>
/// What the receive path counts in one interval: latencies (µs) and frame/loss tallies. Not thread-safe on its
/// own; a <see cref="LatencyRecorder.Shard"/> guards it.
/// </summary>
public sealed class IntervalTally
{
    /// <summary>Anything slower than ten minutes is clamped; runs are bounded well below that.</summary>
    public const long HighestTrackableMicros = 600_000_000;

    /// <summary>Receive time minus the message's server timestamp (ms precision on the wire).</summary>
    public LongHistogram Delivery { get; } = new(HighestTrackableMicros, 3);

    /// <summary>Receive time minus the sender's send time, carried in the content (load-generator messages only).</summary>
    public LongHistogram EndToEnd { get; } = new(HighestTrackableMicros, 3);

    public long Frames { get; set; }
    public long Bytes { get; set; }

    /// <summary>Messages missing between consecutive batches of one viewer (dropped for a slow reader).</summary>
    public long Lost { get; set; }

    /// <summary>Messages the server sampled out for display (hot-room down-sampling), as batches declare.</summary>
    public long SampledOut { get; set; }

    public long Deliveries => Delivery.TotalCount;

    /// <summary>Records one delivered message: its server timestamp, and its sender's clock when it is ours.</summary>
    public void RecordMessage(long receivedMicros, long timestampMs, ReadOnlySpan<byte> content)
    {
        Delivery.RecordValue(Clamp(receivedMicros - timestampMs * 1000));
        if (LoadContent.TryReadSendMicros(content, out var sentMicros))
        {
            EndToEnd.RecordValue(Clamp(receivedMicros - sentMicros));
        }
    }

    /// <summary>The same for a message whose content arrived as a string (SignalR).</summary>
    public void RecordMessage(long receivedMicros, long timestampMs, string content)
    {
        Delivery.RecordValue(Clamp(receivedMicros - timestampMs * 1000));
        if (LoadContent.TryReadSendMicros(content, out var sentMicros))
        {
            EndToEnd.RecordValue(Clamp(receivedMicros - sentMicros));
        }
    }

    public void AddTo(IntervalTally total)
    {
        total.Delivery.Add(Delivery);
        total.EndToEnd.Add(EndToEnd);
        total.Frames += Frames;
        total.Bytes += Bytes;
        total.Lost += Lost;
        total.SampledOut += SampledOut;
    }

    public void Reset()
    {
        Delivery.Reset();
        EndToEnd.Reset();
        Frames = Bytes = Lost = SampledOut = 0;
    }

    private static long Clamp(long micros) => Math.Clamp(micros, 0, HighestTrackableMicros);
}

/// <summary>
/// Collects tallies from every receiving thread without contention: each thread records into its own shard
/// under the shard's lock (uncontended except for the once-a-second swap), and the reporter swaps every
/// shard's tally for an empty one and adds it up. A viewer takes the lock once per frame, not per message.
/// </summary>
public sealed class LatencyRecorder : IDisposable
{
    private readonly ThreadLocal<Shard> shards = new(() => new Shard(), trackAllValues: true);

    /// <summary>The calling thread's shard; hold <see cref="Shard.Gate"/> while recording into <see cref="Shard.Tally"/>.</summary>
    public Shard Current => shards.Value!;

    /// <summary>Moves what every shard recorded since the last call into <paramref name="into"/>. One caller at a time.</summary>
    public void DrainInto(IntervalTally into)
    {
        foreach (var shard in shards.Values)
        {
            shard.DrainInto(into);
        }
    }

    public void Dispose() => shards.Dispose();

    public sealed class Shard
    {
        private IntervalTally spare = new();

        public Lock Gate { get; } = new();

        /// <summary>Only valid while <see cref="Gate"/> is held.</summary>
        public IntervalTally Tally { get; private set; } = new();

        internal void DrainInto(IntervalTally into)
        {
            IntervalTally taken;
            lock (Gate)
            {
                taken = Tally;
                Tally = spare;
            }

            taken.AddTo(into);
            taken.Reset();
            spare = taken;
        }
    }
}
