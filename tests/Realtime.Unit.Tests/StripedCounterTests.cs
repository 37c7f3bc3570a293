using Live.Edge.Telemetry;

namespace Live.Realtime.Unit.Tests;

public sealed class StripedCounterTests
{
    [Fact]
    public void Frames_written_from_many_threads_are_all_counted()
    {
        var counter = new StripedCounter();

        Parallel.For(0, 64, new ParallelOptions { MaxDegreeOfParallelism = 8 }, _ =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                counter.Add(3);
            }
        });

        Assert.Equal(64L * 10_000 * 3, counter.Sum());
    }
}
