using Live.Moderation.Limits;
using Microsoft.Extensions.Options;

namespace Live.Moderation.Unit.Tests;

/// <summary>The in-process buckets are a map keyed by (user, room); it must stay within its bound.</summary>
public sealed class LocalRateGateTests
{
    private static readonly RateLimit Limit = new(10, 10);

    [Fact]
    public void The_number_of_buckets_stays_within_its_bound_even_when_everyone_is_active()
    {
        var gate = new LocalRateGate(Options.Create(new ModerationOptions { MaxLocalBuckets = 1_000 }));

        for (var user = 1; user <= 5_000; user++)
        {
            Assert.True(gate.TryTake(user, 1, Limit, nowMs: 1_000 + user).IsAllowed);
        }

        Assert.InRange(gate.Count, 1, 1_000);
    }

    [Fact]
    public void Idle_buckets_are_evicted_before_active_ones()
    {
        var gate = new LocalRateGate(Options.Create(new ModerationOptions { MaxLocalBuckets = 1_000 }));
        for (var user = 1; user < 1_000; user++)
        {
            gate.TryTake(user, 1, Limit, nowMs: 0);
        }

        const long later = 20_000;
        const long active = 1_000;
        for (var i = 0; i < 10; i++)
        {
            Assert.True(gate.TryTake(active, 1, Limit, later).IsAllowed);
        }

        // One more bucket than the bound: the sweep drops the 999 idle ones and keeps the active one.
        gate.TryTake(1_001, 1, Limit, later);

        Assert.Equal(2, gate.Count);
        Assert.False(gate.TryTake(active, 1, Limit, later).IsAllowed);
    }
}
