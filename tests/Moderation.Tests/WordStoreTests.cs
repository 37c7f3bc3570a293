using Live.Moderation.Words;

namespace Live.Moderation.Tests;

public sealed class WordStoreTests(WordStoreTests.Fixture fixture) : IClassFixture<WordStoreTests.Fixture>
{
    public sealed class Fixture : ModerationFixture
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
        {
            ["Moderation:MaxWordsPerRoom"] = "3",
            ["Moderation:MaxRoomsWithWords"] = "100",
            ["Moderation:MaxWordLength"] = "10",
        };
    }

    private readonly WordStore store = fixture.Node.Store;

    [Fact]
    public async Task Words_are_added_listed_and_removed_globally_and_per_room()
    {
        var room = Ids.Room();
        var global = await store.AddAsync("Ｇｌｏｂａｌ Word", WordAction.Block, null, "admin-1");
        Assert.Equal(WordChangeStatus.Done, global.Status);
        Assert.Equal("globalword", global.Entry!.Word);
        Assert.Null(global.Entry.RoomId);
        Assert.Equal("admin-1", global.Entry.CreatedBy);
        Assert.Equal(fixture.Node.Time.GetUtcNow().UtcDateTime, global.Entry.CreatedAt);
        Assert.Equal(WordChangeStatus.Done, (await store.AddAsync("roomword", WordAction.Mask, room, "anchor")).Status);

        Assert.Contains(await store.ListAsync(null, 0, 100), w => w.Word == "globalword" && w.Action == WordAction.Block);
        var roomList = await store.ListAsync(room, 0, 100);
        var only = Assert.Single(roomList);
        Assert.Equal(("roomword", WordAction.Mask, (long?)room), (only.Word, only.Action, only.RoomId));

        Assert.Equal(WordChangeStatus.Done, (await store.RemoveAsync("GLOBALWORD", null)).Status);
        Assert.DoesNotContain(await store.ListAsync(null, 0, 100), w => w.Word == "globalword");
        Assert.Equal(WordChangeStatus.NotListed, (await store.RemoveAsync("globalword", null)).Status);
    }

    [Fact]
    public async Task A_word_is_listed_once_per_scope_whatever_its_disguise()
    {
        var room = Ids.Room();
        Assert.Equal(WordChangeStatus.Done, (await store.AddAsync("twice", WordAction.Block, null, "a")).Status);
        Assert.Equal(WordChangeStatus.AlreadyListed, (await store.AddAsync("ＴＷＩＣＥ", WordAction.Mask, null, "a")).Status);
        Assert.Equal(WordChangeStatus.AlreadyListed, (await store.AddAsync("t.w.i.c.e", WordAction.Block, null, "a")).Status);
        Assert.Equal(WordChangeStatus.Done, (await store.AddAsync("twice", WordAction.Block, room, "a")).Status);
        Assert.Equal(WordChangeStatus.AlreadyListed, (await store.AddAsync("twice", WordAction.Block, room, "a")).Status);
        Assert.Equal(WordChangeStatus.Done, (await store.AddAsync("twicé", WordAction.Block, room, "a")).Status);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" . ")]
    [InlineData("elevenchars")]
    public async Task Unusable_words_are_refused(string word) =>
        Assert.Equal(WordChangeStatus.InvalidWord, (await store.AddAsync(word, WordAction.Block, null, "a")).Status);

    [Fact]
    public async Task Room_lists_are_bounded()
    {
        var room = Ids.Room();
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(WordChangeStatus.Done, (await store.AddAsync($"w{i}", WordAction.Block, room, "a")).Status);
        }

        var full = await store.AddAsync("w3", WordAction.Block, room, "a");
        Assert.Equal(WordChangeStatus.ListFull, full.Status);
        Assert.Contains("maximum of 3", full.Error);
    }

    [Fact]
    public async Task Lists_page_in_id_order()
    {
        var room = Ids.Room();
        foreach (var word in new[] { "p1", "p2", "p3" })
        {
            await store.AddAsync(word, WordAction.Mask, room, "a");
        }

        var first = await store.ListAsync(room, 0, 2);
        var second = await store.ListAsync(room, first[^1].Id, 2);

        Assert.Equal(["p1", "p2"], first.Select(w => w.Word));
        Assert.Equal(["p3"], second.Select(w => w.Word));
    }
}

/// <summary>Room-count bound on a database of its own, so other tests' rooms do not count.</summary>
public sealed class RoomCountBoundTests(RoomCountBoundTests.Fixture fixture) : IClassFixture<RoomCountBoundTests.Fixture>
{
    public sealed class Fixture : ModerationFixture
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
        {
            ["Moderation:MaxRoomsWithWords"] = "2",
        };
    }

    [Fact]
    public async Task Only_so_many_rooms_may_have_their_own_words()
    {
        var store = fixture.Node.Store;
        var (a, b, c) = (Ids.Room(), Ids.Room(), Ids.Room());
        Assert.Equal(WordChangeStatus.Done, (await store.AddAsync("x", WordAction.Block, a, "t")).Status);
        Assert.Equal(WordChangeStatus.Done, (await store.AddAsync("y", WordAction.Block, b, "t")).Status);
        Assert.Equal(WordChangeStatus.ListFull, (await store.AddAsync("z", WordAction.Block, c, "t")).Status);
        Assert.Equal(WordChangeStatus.Done, (await store.AddAsync("z", WordAction.Block, a, "t")).Status);
    }
}
