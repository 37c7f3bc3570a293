using Live.ServiceDefaults.Caching;
using Microsoft.Extensions.Time.Testing;

namespace Live.Realtime.Unit.Tests;

/// <summary>The process-local answers behind RoomStatusCache and RoomService's GetRoom/ListRooms.</summary>
public sealed class ExpiringCacheTests
{
    private readonly FakeTimeProvider clock = new();

    [Fact]
    public async Task An_answer_is_reused_until_it_expires_and_then_loaded_again()
    {
        var cache = new ExpiringCache<long, int>(TimeSpan.FromSeconds(1), 100, clock);
        var loads = 0;
        Task<int> Load(long key, int _) => Task.FromResult(Interlocked.Increment(ref loads));

        Assert.Equal(1, await cache.GetOrLoadAsync(7, Load, 0));
        clock.Advance(TimeSpan.FromMilliseconds(999));
        Assert.Equal(1, await cache.GetOrLoadAsync(7, Load, 0));
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(2, await cache.GetOrLoadAsync(7, Load, 0));
    }

    [Fact]
    public async Task A_load_that_began_before_an_invalidation_is_answered_but_not_kept()
    {
        var cache = new ExpiringCache<long, string>(TimeSpan.FromMinutes(1), 100, clock);
        var slow = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var before = cache.GetOrLoadAsync(7, (_, gate) => gate.Task, slow).AsTask();

        cache.Invalidate(7);
        slow.SetResult("read before the change");

        Assert.Equal("read before the change", await before);
        Assert.False(cache.TryGet(7, out _));
        Assert.Equal("after", await cache.GetOrLoadAsync(7, (_, _) => Task.FromResult("after"), 0));
        Assert.True(cache.TryGet(7, out var kept));
        Assert.Equal("after", kept);
    }

    [Fact]
    public async Task Invalidate_and_Clear_forget_answers_and_a_failed_load_is_not_kept()
    {
        var cache = new ExpiringCache<long, long>(TimeSpan.FromMinutes(1), 100, clock);
        await cache.GetOrLoadAsync(1, (k, _) => Task.FromResult(k), 0);
        await cache.GetOrLoadAsync(2, (k, _) => Task.FromResult(k), 0);

        cache.Invalidate(1);
        Assert.False(cache.TryGet(1, out _));
        Assert.True(cache.TryGet(2, out _));
        cache.Clear();
        Assert.Equal(0, cache.Count);

        await Assert.ThrowsAsync<TimeoutException>(() => cache.GetOrLoadAsync(3, (_, _) => Task.FromException<long>(new TimeoutException()), 0).AsTask());
        Assert.False(cache.TryGet(3, out _));
    }

    [Fact]
    public async Task Past_its_bound_it_sweeps_expired_answers_first_and_then_everything()
    {
        var cache = new ExpiringCache<long, long>(TimeSpan.FromSeconds(1), 3, clock);
        Task<long> Load(long key, int _) => Task.FromResult(key);
        await cache.GetOrLoadAsync(1, Load, 0);
        await cache.GetOrLoadAsync(2, Load, 0);
        clock.Advance(TimeSpan.FromSeconds(2));
        await cache.GetOrLoadAsync(3, Load, 0);

        // Full: the two expired answers go, the live one stays.
        await cache.GetOrLoadAsync(4, Load, 0);
        Assert.Equal(2, cache.Count);
        Assert.True(cache.TryGet(3, out _));

        await cache.GetOrLoadAsync(5, Load, 0);
        Assert.Equal(3, cache.Count);

        // Full of live answers: everything goes, then the new one is kept.
        await cache.GetOrLoadAsync(6, Load, 0);
        Assert.Equal(1, cache.Count);
        Assert.True(cache.TryGet(6, out _));
    }
}
