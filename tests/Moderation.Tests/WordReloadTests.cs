using System.Diagnostics;
using Live.Moderation.Data;
using Live.Moderation.Pipeline;
using Live.Moderation.Words;
using Live.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Live.Moderation.Tests;

/// <summary>
/// Two nodes (each its own Redis connection, WordFilter and reloader) on one database and channel: a change
/// made through one must be in force on the other within a second.
/// </summary>
public sealed class WordReloadTests : IAsyncLifetime
{
    private static readonly TimeSpan Propagation = TimeSpan.FromSeconds(1);

    private TestDatabase database = null!;
    private ModerationNode first = null!;
    private ModerationNode second = null!;

    public async Task InitializeAsync()
    {
        database = await TestDatabase.CreateAsync("moderation_test");
        var settings = new Dictionary<string, string?> { ["Moderation:WordsChannel"] = "moderation:words:test:" + database.Name };
        first = await ModerationNode.StartAsync(database.ConnectionString, settings: settings);
        second = await ModerationNode.StartAsync(database.ConnectionString, settings: settings);
    }

    public async Task DisposeAsync()
    {
        first.Logs.AssertNoErrors();
        second.Logs.AssertNoErrors();
        await first.DisposeAsync();
        await second.DisposeAsync();
        await database.DisposeAsync();
        first.AssertNoErrorsAfterStop();
        second.AssertNoErrorsAfterStop();
    }

    [Fact]
    public async Task A_global_word_added_on_one_node_blocks_on_the_other_within_a_second()
    {
        var room = Ids.Room();
        Assert.True((await second.SendAsync(Ids.User(), room, "you 混蛋")).IsAccepted);

        var watch = Stopwatch.StartNew();
        Assert.Equal(WordChangeStatus.Done, (await first.Store.AddAsync("混蛋", WordAction.Block, null, "admin")).Status);
        await second.WaitUntilAsync(() => second.Words.Scan(room, "you 混蛋").Verdict == WordVerdict.Blocked, Propagation);
        Assert.True(watch.Elapsed < Propagation, $"took {watch.Elapsed}");

        Assert.Equal(ModerationReason.BlockedWord, (await second.SendAsync(Ids.User(), room, "you 混 蛋")).Reason);
    }

    [Fact]
    public async Task A_room_word_and_its_removal_reach_the_other_node_within_a_second()
    {
        var room = Ids.Room();
        await first.Store.AddAsync("spoiler", WordAction.Mask, room, "anchor");
        await second.WaitUntilAsync(() => second.Words.RoomWordCount(room) == 1, Propagation);
        Assert.Equal("no *** pls", (await second.SendAsync(Ids.User(), room, "no spoiler pls")).Content);
        Assert.Equal("no spoiler pls", (await second.SendAsync(Ids.User(), room + 1, "no spoiler pls")).Content);

        var watch = Stopwatch.StartNew();
        await first.Store.RemoveAsync("spoiler", room);
        await second.WaitUntilAsync(() => second.Words.RoomWordCount(room) == 0, Propagation);
        Assert.True(watch.Elapsed < Propagation, $"took {watch.Elapsed}");
        Assert.Equal(0, second.Words.RoomsWithWords);
    }
}

/// <summary>A change that was never announced (pub/sub is at-most-once) still arrives with the periodic full reload.</summary>
public sealed class PeriodicReloadTests(PeriodicReloadTests.Fixture fixture) : IClassFixture<PeriodicReloadTests.Fixture>
{
    public sealed class Fixture : ModerationFixture
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Moderation:FullReloadSeconds"] = "1" };
    }

    [Fact]
    public async Task A_word_written_straight_to_the_database_is_in_force_after_the_next_full_reload()
    {
        var node = fixture.Node;
        var contexts = node.Services.GetRequiredService<IDbContextFactory<ModerationDbContext>>();
        await using (var db = await contexts.CreateDbContextAsync())
        {
            db.Words.Add(new ModerationWordRecord { Word = "quietword", Action = WordAction.Block, CreatedAt = DateTime.UtcNow, CreatedBy = "sql" });
            await db.SaveChangesAsync();
        }

        await node.WaitUntilAsync(() => node.Words.Scan(1, "quietword").Verdict == WordVerdict.Blocked, TimeSpan.FromSeconds(5));
    }
}
