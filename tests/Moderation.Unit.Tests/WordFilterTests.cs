using Live.Moderation.Text;
using Live.Moderation.Words;

namespace Live.Moderation.Unit.Tests;

public sealed class WordFilterTests
{
    private const long Room = 42;
    private readonly TextNormalizer normalizer = new(new ModerationOptions().Separators);
    private readonly WordFilter filter;

    public WordFilterTests()
    {
        filter = new WordFilter(normalizer);
        filter.ReplaceAll(
            AhoCorasickAutomaton.Build([new("fuck", WordAction.Block), new("damn", WordAction.Mask), new("傻逼", WordAction.Block), new("垃圾", WordAction.Mask)]),
            new Dictionary<long, AhoCorasickAutomaton> { [Room] = AhoCorasickAutomaton.Build([new("spoiler", WordAction.Mask), new("rival", WordAction.Block)]) });
    }

    [Theory]
    [InlineData("ＦＵＣＫ you")]
    [InlineData("ｆｕｃｋ")]
    [InlineData("f\u200Bu\u200Bc\u200Bk")]
    [InlineData("F.U.C.K")]
    [InlineData("傻\u200B逼")]
    [InlineData("你个傻　逼")]
    public void A_disguised_block_word_is_caught(string text)
    {
        var result = filter.Scan(Room, text);
        Assert.Equal(WordVerdict.Blocked, result.Verdict);
        Assert.Null(result.MaskedText);
    }

    [Fact]
    public void A_mask_word_is_replaced_in_the_original_text_including_what_hid_it()
    {
        var result = filter.Scan(Room, "oh Ｄ.a\u200Bm-N it, 垃圾 game");

        Assert.Equal(WordVerdict.Masked, result.Verdict);
        Assert.Equal("damn", result.MatchedWord);
        Assert.Equal("oh *** it, *** game", result.MaskedText);
    }

    [Fact]
    public void A_block_word_wins_over_a_mask_word_in_the_same_message()
    {
        var result = filter.Scan(Room, "damn, fuck");
        Assert.Equal(WordVerdict.Blocked, result.Verdict);
        Assert.Equal("fuck", result.MatchedWord);
    }

    [Fact]
    public void Overlapping_and_adjacent_mask_words_become_one_mask()
    {
        var local = new WordFilter(normalizer);
        local.ReplaceAll(AhoCorasickAutomaton.Build([new("abc", WordAction.Mask), new("bcd", WordAction.Mask), new("xy", WordAction.Mask)]), new Dictionary<long, AhoCorasickAutomaton>());

        Assert.Equal("1***2", local.Scan(Room, "1abcd2").MaskedText);
        Assert.Equal("1***2", local.Scan(Room, "1abcxy2").MaskedText);
    }

    [Fact]
    public void Room_words_apply_in_their_room_only()
    {
        Assert.Equal(WordVerdict.Blocked, filter.Scan(Room, "go rival team").Verdict);
        Assert.Equal("no ***s please", filter.Scan(Room, "no spoilers please").MaskedText);
        Assert.Equal(WordVerdict.Clean, filter.Scan(Room + 1, "go rival team").Verdict);
        Assert.Equal(WordVerdict.Clean, filter.Scan(Room + 1, "no spoilers please").Verdict);
    }

    [Fact]
    public void Global_and_room_masks_are_merged()
    {
        Assert.Equal("***! ***! ***", filter.Scan(Room, "damn! spoiler! 垃圾").MaskedText);
    }

    [Fact]
    public void Clean_text_is_clean()
    {
        var result = filter.Scan(Room, "哈哈哈 666 主播好厉害");
        Assert.Equal(WordScanResult.Clean, result);
    }

    [Fact]
    public void Replacing_a_room_list_leaves_the_others_and_an_empty_list_removes_it()
    {
        filter.ReplaceRooms(new Dictionary<long, AhoCorasickAutomaton> { [Room + 1] = AhoCorasickAutomaton.Build([new("rival", WordAction.Block)]) });
        Assert.Equal(WordVerdict.Blocked, filter.Scan(Room + 1, "rival").Verdict);
        Assert.Equal(WordVerdict.Blocked, filter.Scan(Room, "rival").Verdict);

        filter.ReplaceRooms(new Dictionary<long, AhoCorasickAutomaton> { [Room] = AhoCorasickAutomaton.Empty });
        Assert.Equal(WordVerdict.Clean, filter.Scan(Room, "rival").Verdict);
        Assert.Equal(1, filter.RoomsWithWords);
    }
}
