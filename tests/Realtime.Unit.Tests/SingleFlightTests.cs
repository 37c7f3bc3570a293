using Live.ServiceDefaults.Concurrency;

namespace Live.Realtime.Unit.Tests;

/// <summary>The coalescing behind the Edge's shared history pages and RoomStatusCache (scenario 5 of docs/reliability.md).</summary>
public sealed class SingleFlightTests
{
    [Fact]
    public async Task Callers_asking_for_a_key_while_it_loads_share_one_load()
    {
        var flights = new SingleFlight<long, string>();
        var release = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var loads = 0;
        var callers = Enumerable.Range(0, 100).Select(_ => flights.RunAsync(7, (_, gate) =>
        {
            Interlocked.Increment(ref loads);
            return gate.Task;
        }, release)).ToList();

        Assert.Equal(1, flights.InFlight);
        release.SetResult("page");
        Assert.All(await Task.WhenAll(callers), answer => Assert.Equal("page", answer));
        Assert.Equal(1, loads);
        Assert.Equal(0, flights.InFlight);
    }

    [Fact]
    public async Task A_key_asked_after_its_load_ended_loads_again_and_other_keys_load_apart()
    {
        var flights = new SingleFlight<long, long>();
        var loads = 0;
        Task<long> Load(long key, int _)
        {
            Interlocked.Increment(ref loads);
            return Task.FromResult(key * 10);
        }

        Assert.Equal(10, await flights.RunAsync(1, Load, 0));
        Assert.Equal(10, await flights.RunAsync(1, Load, 0));
        Assert.Equal(20, await flights.RunAsync(2, Load, 0));
        Assert.Equal(3, loads);
    }

    [Fact]
    public async Task A_failed_load_fails_every_caller_that_shared_it_and_is_not_kept()
    {
        var flights = new SingleFlight<long, string>();
        var release = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = flights.RunAsync(3, (_, gate) => gate.Task, release);
        var second = flights.RunAsync(3, (_, gate) => gate.Task, release);
        release.SetException(new InvalidOperationException("history is unavailable"));

        await Assert.ThrowsAsync<InvalidOperationException>(() => first);
        await Assert.ThrowsAsync<InvalidOperationException>(() => second);
        Assert.Equal(0, flights.InFlight);
        Assert.Equal("again", await flights.RunAsync(3, (_, _) => Task.FromResult("again"), 0));
    }

    [Fact]
    public async Task A_caller_that_stops_waiting_does_not_cancel_the_load_for_the_others()
    {
        var flights = new SingleFlight<long, string>();
        var release = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var impatient = new CancellationTokenSource();
        var leaving = flights.RunAsync(5, (_, gate) => gate.Task, release, impatient.Token);
        var staying = flights.RunAsync(5, (_, gate) => gate.Task, release);

        await impatient.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => leaving);
        release.SetResult("page");
        Assert.Equal("page", await staying);
    }
}
