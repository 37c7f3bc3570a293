using Live.Moderation.Words;

namespace Live.Moderation.Unit.Tests;

public sealed class AhoCorasickTests
{
    [Fact]
    public void Finds_overlapping_words_and_words_inside_words()
    {
        var automaton = AhoCorasickAutomaton.Build(Words("he", "she", "his", "hers"));

        var matches = Matches(automaton, "ushers");

        Assert.Equal([(1, 4, "she"), (2, 4, "he"), (2, 6, "hers")], matches);
    }

    [Fact]
    public void A_word_listed_twice_keeps_the_stricter_action()
    {
        var automaton = AhoCorasickAutomaton.Build([new ListedWord("bad", WordAction.Mask), new ListedWord("bad", WordAction.Block), new ListedWord("bad", WordAction.Mask)]);

        var word = Assert.Single(automaton.Words);
        Assert.Equal(WordAction.Block, word.Action);
    }

    [Fact]
    public void The_empty_automaton_finds_nothing()
    {
        Assert.Empty(Matches(AhoCorasickAutomaton.Empty, "anything at all"));
        Assert.Empty(Matches(AhoCorasickAutomaton.Build(Words("abc")), ""));
    }

    /// <summary>
    /// Random words and texts over small alphabets (so words overlap and nest a lot) must give exactly the
    /// occurrences a naive search finds. Large lists take the dense root table, small ones the edge search,
    /// and a CJK alphabet exercises chars beyond one byte.
    /// </summary>
    [Theory]
    [InlineData(1, "ab", 5, 4)]
    [InlineData(2, "abc", 40, 6)]
    [InlineData(3, "abcd", 400, 8)]
    [InlineData(4, "傻逼操你妈的垃圾", 2_000, 5)]
    [InlineData(5, "abcdefghijklmnopqrstuvwxyz0123456789", 3_000, 6)]
    public void Agrees_with_a_naive_matcher_on_random_input(int seed, string alphabet, int wordCount, int maxWordLength)
    {
        var random = new Random(seed);
        var words = Enumerable.Range(0, wordCount)
            .Select(_ => RandomText(random, alphabet, random.Next(1, maxWordLength + 1)))
            .Distinct()
            .ToList();
        var automaton = AhoCorasickAutomaton.Build(Words([.. words]));

        for (var round = 0; round < 200; round++)
        {
            var text = RandomText(random, alphabet, random.Next(0, 120));
            var expected = NaiveMatches(words, text);
            Assert.Equal(expected, Matches(automaton, text));
        }
    }

    private static List<(int Start, int End, string Word)> NaiveMatches(List<string> words, string text)
    {
        var found = new List<(int, int, string)>();
        foreach (var word in words)
        {
            for (var i = text.IndexOf(word, StringComparison.Ordinal); i >= 0; i = text.IndexOf(word, i + 1, StringComparison.Ordinal))
            {
                found.Add((i, i + word.Length, word));
            }
        }

        return Sorted(found);
    }

    private static List<(int Start, int End, string Word)> Matches(AhoCorasickAutomaton automaton, string text)
    {
        var sink = new CollectingSink([]);
        automaton.Scan(text, ref sink);
        return Sorted(sink.Found);
    }

    private static List<(int Start, int End, string Word)> Sorted(List<(int Start, int End, string Word)> matches) =>
        [.. matches.OrderBy(m => m.End).ThenBy(m => m.Start)];

    private static string RandomText(Random random, string alphabet, int length) =>
        string.Create(length, (random, alphabet), static (span, state) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = state.alphabet[state.random.Next(state.alphabet.Length)];
            }
        });

    private static ListedWord[] Words(params string[] words) => [.. words.Select(w => new ListedWord(w, WordAction.Block))];

    private struct CollectingSink(List<(int, int, string)> found) : IMatchSink
    {
        public List<(int Start, int End, string Word)> Found { get; } = found;

        public bool OnMatch(int start, int end, ListedWord word)
        {
            Found.Add((start, end, word.Word));
            return true;
        }
    }
}
