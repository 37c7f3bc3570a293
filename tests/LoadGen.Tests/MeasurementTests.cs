using System.Text;
using Live.Tools.LoadGen;
using Live.Tools.LoadGen.Measurement;
using Live.Tools.LoadGen.Reporting;

namespace Live.LoadGen.Tests;

public sealed class MeasurementTests
{
    [Fact]
    public void Load_content_carries_the_send_time_and_is_padded_to_size()
    {
        Span<byte> buffer = stackalloc byte[64];
        var length = LoadContent.Write(buffer, 1_763_840_000_123_456, 42, 40);

        Assert.Equal(40, length);
        Assert.StartsWith("lg 1763840000123456 42 ", Encoding.UTF8.GetString(buffer[..length]), StringComparison.Ordinal);
        Assert.True(LoadContent.TryReadSendMicros(buffer[..length], out var sent));
        Assert.Equal(1_763_840_000_123_456, sent);
        Assert.True(LoadContent.TryReadSendMicros(LoadContent.Create(77, 1, 10), out var fromString));
        Assert.Equal(77, fromString);
        Assert.False(LoadContent.TryReadSendMicros("hello lg 123"u8, out _));
        Assert.False(LoadContent.TryReadSendMicros("lg x"u8, out _));
    }

    [Fact]
    public void Latency_is_receive_time_minus_the_server_timestamp_and_minus_the_send_time()
    {
        var tally = new IntervalTally();
        var content = Encoding.UTF8.GetBytes(LoadContent.Create(sendMicros: 9_000_000, number: 1, size: 20));

        // Server stamped 9,005 ms; received at 9,030,000 µs: 25 ms after the stamp, 30 ms after the send.
        tally.RecordMessage(9_030_000, 9_005, content);
        tally.RecordMessage(9_030_000, 9_005, "someone else's message"u8);

        Assert.Equal(2, tally.Deliveries);
        Assert.InRange(tally.Delivery.GetValueAtPercentile(100), 24_975, 25_025);
        Assert.Equal(1, tally.EndToEnd.TotalCount);
        Assert.InRange(tally.EndToEnd.GetValueAtPercentile(100), 29_970, 30_030);
    }

    [Fact]
    public void Shards_recorded_on_many_threads_add_up_exactly_and_a_drain_empties_them()
    {
        using var recorder = new LatencyRecorder();
        const int Threads = 8, PerThread = 10_000;
        var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            for (var i = 0; i < PerThread; i++)
            {
                var shard = recorder.Current;
                lock (shard.Gate)
                {
                    shard.Tally.Frames++;
                    shard.Tally.Lost += i % 100 == 0 ? 1 : 0;
                    shard.Tally.RecordMessage(1_000_000 + (t + 1) * 1_000, 1_000, ReadOnlySpan<byte>.Empty);
                }
            }
        })).ToList();

        // Drain while they record: nothing may be lost or counted twice across the swaps.
        var total = new IntervalTally();
        threads.ForEach(t => t.Start());
        while (threads.Any(t => t.IsAlive))
        {
            recorder.DrainInto(total);
        }

        recorder.DrainInto(total);
        Assert.Equal(Threads * PerThread, total.Deliveries);
        Assert.Equal(Threads * PerThread, total.Frames);
        Assert.Equal(Threads * PerThread / 100, total.Lost);
        Assert.InRange(total.Delivery.GetValueAtPercentile(1), 999, 1_001);
        Assert.InRange(total.Delivery.GetValueAtPercentile(100), 7_992, 8_008);

        var again = new IntervalTally();
        recorder.DrainInto(again);
        Assert.Equal(0, again.Deliveries);
    }

    [Fact]
    public void Percentiles_are_reported_in_milliseconds()
    {
        var tally = new IntervalTally();
        for (var i = 1; i <= 1000; i++)
        {
            tally.Delivery.RecordValue(i * 100); // 0.1 .. 100 ms
        }

        var summary = LatencySummary.From(tally.Delivery);

        Assert.Equal(1000, summary.Count);
        Assert.InRange(summary.P50, 49.9, 50.1);
        Assert.InRange(summary.P99, 98.9, 99.1);
        Assert.InRange(summary.Max, 99.9, 100.1);
    }

    [Fact]
    public void Proc_files_are_parsed_even_with_spaces_in_the_process_name()
    {
        var stat = "1234 (dotnet worker) S 1 1234 1234 0 -1 4194560 5000 0 0 0 250 150 0 0 20 0 30 0 100 1000000 5000";
        Assert.Equal(TimeSpan.FromSeconds(4), ProcessStats.ParseCpu(stat));

        var (rss, peak) = ProcessStats.ParseMemory("Name:\tdotnet\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\nThreads:\t30\n");
        Assert.Equal(100L * 1024 * 1024, rss);
        Assert.Equal(200L * 1024 * 1024, peak);

        var (busy, all) = ProcessStats.ParseMachineCpu("cpu  100 0 50 800 50 0 0 0 0 0");
        Assert.Equal(150, busy);
        Assert.Equal(1000, all);
    }

    [Fact]
    public void Options_keep_load_on_loopback_and_pick_enough_senders()
    {
        var options = LoadOptions.Parse(["--viewers", "500", "--rate", "2000", "--server", "edge=42"]);
        Assert.Equal(400, options.EffectiveSenders);
        Assert.Equal(new ServerProcess("edge", 42), Assert.Single(options.Servers));
        Assert.Equal(10, LoadOptions.Parse(["--viewers", "10", "--rate", "2000"]).EffectiveSenders);

        Assert.Throws<ArgumentException>(() => LoadOptions.Parse(["--edge", "ws://10.0.0.1:5105"]));
        Assert.Throws<ArgumentException>(() => LoadOptions.Parse(["--duration", "100000"]));
    }
}
