namespace Live.Moderation.Words;

public enum WordAction : byte
{
    /// <summary>The message is refused.</summary>
    Block = 1,

    /// <summary>The message goes out with the word replaced by <c>***</c>.</summary>
    Mask = 2,
}

/// <summary>A word as matched: its normalized text and what happens to a message containing it.</summary>
public sealed record ListedWord(string Word, WordAction Action);

/// <summary>
/// An immutable Aho-Corasick automaton over normalized text in compact arrays: per state a sorted slice of
/// (char, target) edges, a fail link, the word ending there and an output link to the nearest state on the
/// fail chain where another word ends. Large automata also get a dense table for the root, which is where
/// most characters of ordinary chat land. Built off the hot path by <see cref="Build"/>; shared freely
/// between threads once built.
/// </summary>
public sealed class AhoCorasickAutomaton
{
    /// <summary>Root edge count above which a 64K-entry root table replaces the search (256 KB, global list only in practice).</summary>
    private const int DenseRootThreshold = 256;

    /// <summary>Slices up to this size are searched linearly (vectorized); longer ones by binary search.</summary>
    private const int LinearSearchLimit = 16;

    public static readonly AhoCorasickAutomaton Empty = Build([]);

    private readonly int[] edgeStart;
    private readonly char[] edgeChars;
    private readonly int[] edgeTargets;
    private readonly int[] fail;
    private readonly int[] wordAt;
    private readonly int[] outputLink;
    private readonly int[]? rootTable;
    private readonly ListedWord[] words;

    private AhoCorasickAutomaton(int[] edgeStart, char[] edgeChars, int[] edgeTargets, int[] fail, int[] wordAt, int[] outputLink, int[]? rootTable, ListedWord[] words)
    {
        this.edgeStart = edgeStart;
        this.edgeChars = edgeChars;
        this.edgeTargets = edgeTargets;
        this.fail = fail;
        this.wordAt = wordAt;
        this.outputLink = outputLink;
        this.rootTable = rootTable;
        this.words = words;
    }

    public int WordCount => words.Length;

    public int StateCount => fail.Length;

    public IReadOnlyList<ListedWord> Words => words;

    /// <summary>
    /// Builds an automaton from words that are already normalized. A word listed twice keeps the stricter
    /// action (block over mask); empty words are ignored.
    /// </summary>
    public static AhoCorasickAutomaton Build(IEnumerable<ListedWord> source)
    {
        var byText = new Dictionary<string, WordAction>(StringComparer.Ordinal);
        foreach (var word in source)
        {
            if (word.Word.Length == 0)
            {
                continue;
            }

            byText[word.Word] = byText.TryGetValue(word.Word, out var existing) && existing == WordAction.Block ? WordAction.Block : word.Action;
        }

        var words = new ListedWord[byText.Count];
        var n = 0;
        foreach (var (text, action) in byText)
        {
            words[n++] = new ListedWord(text, action);
        }

        Array.Sort(words, static (a, b) => string.CompareOrdinal(a.Word, b.Word));

        // Trie: one dictionary keyed by (state, char) while building; compacted into sorted slices below.
        var transitions = new Dictionary<long, int>();
        var wordAtList = new List<int> { -1 };
        for (var w = 0; w < words.Length; w++)
        {
            var state = 0;
            foreach (var c in words[w].Word)
            {
                var key = ((long)state << 16) | c;
                if (!transitions.TryGetValue(key, out var next))
                {
                    next = wordAtList.Count;
                    wordAtList.Add(-1);
                    transitions.Add(key, next);
                }

                state = next;
            }

            wordAtList[state] = w;
        }

        var stateCount = wordAtList.Count;
        var edgeStart = new int[stateCount + 1];
        foreach (var key in transitions.Keys)
        {
            edgeStart[(int)(key >> 16) + 1]++;
        }

        for (var s = 0; s < stateCount; s++)
        {
            edgeStart[s + 1] += edgeStart[s];
        }

        var edgeChars = new char[transitions.Count];
        var edgeTargets = new int[transitions.Count];
        var fill = new int[stateCount];
        foreach (var (key, target) in transitions)
        {
            var state = (int)(key >> 16);
            var slot = edgeStart[state] + fill[state]++;
            edgeChars[slot] = (char)(key & 0xFFFF);
            edgeTargets[slot] = target;
        }

        for (var s = 0; s < stateCount; s++)
        {
            Array.Sort(edgeChars, edgeTargets, edgeStart[s], edgeStart[s + 1] - edgeStart[s]);
        }

        var wordAt = wordAtList.ToArray();
        var fail = new int[stateCount];
        var outputLink = new int[stateCount];
        outputLink[0] = -1;

        // Breadth-first, so every shorter state has its links before its children need them.
        var queue = new Queue<int>();
        for (var e = edgeStart[0]; e < edgeStart[1]; e++)
        {
            var child = edgeTargets[e];
            fail[child] = 0;
            outputLink[child] = -1;
            queue.Enqueue(child);
        }

        while (queue.Count > 0)
        {
            var state = queue.Dequeue();
            for (var e = edgeStart[state]; e < edgeStart[state + 1]; e++)
            {
                var c = edgeChars[e];
                var child = edgeTargets[e];
                var f = fail[state];
                int next;
                while ((next = FindEdge(edgeStart, edgeChars, edgeTargets, f, c)) < 0 && f != 0)
                {
                    f = fail[f];
                }

                fail[child] = next < 0 ? 0 : next;
                outputLink[child] = wordAt[fail[child]] >= 0 ? fail[child] : outputLink[fail[child]];
                queue.Enqueue(child);
            }
        }

        int[]? rootTable = null;
        if (edgeStart[1] > DenseRootThreshold)
        {
            rootTable = new int[char.MaxValue + 1];
            for (var e = edgeStart[0]; e < edgeStart[1]; e++)
            {
                rootTable[edgeChars[e]] = edgeTargets[e];
            }
        }

        return new AhoCorasickAutomaton(edgeStart, edgeChars, edgeTargets, fail, wordAt, outputLink, rootTable, words);
    }

    /// <summary>
    /// Runs the automaton over <paramref name="text"/>, reporting each occurrence as (end exclusive, word) in
    /// order of increasing end. Stops early when the sink returns false.
    /// </summary>
    public void Scan<TSink>(ReadOnlySpan<char> text, ref TSink sink)
        where TSink : struct, IMatchSink, allows ref struct
    {
        var state = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            while (true)
            {
                var next = state == 0 && rootTable is not null ? rootTable[c] : FindEdge(edgeStart, edgeChars, edgeTargets, state, c);
                if (next > 0)
                {
                    state = next;
                    break;
                }

                if (state == 0)
                {
                    break;
                }

                state = fail[state];
            }

            if (state == 0)
            {
                continue;
            }

            var output = wordAt[state] >= 0 ? state : outputLink[state];
            while (output >= 0)
            {
                var word = words[wordAt[output]];
                if (!sink.OnMatch(i + 1 - word.Word.Length, i + 1, word))
                {
                    return;
                }

                output = outputLink[output];
            }
        }
    }

    private static int FindEdge(int[] edgeStart, char[] edgeChars, int[] edgeTargets, int state, char c)
    {
        var start = edgeStart[state];
        var count = edgeStart[state + 1] - start;
        var slice = new ReadOnlySpan<char>(edgeChars, start, count);
        var found = count <= LinearSearchLimit ? slice.IndexOf(c) : slice.BinarySearch(c);
        return found < 0 ? -1 : edgeTargets[start + found];
    }
}

/// <summary>Receives the occurrences found by <see cref="AhoCorasickAutomaton.Scan{TSink}"/>.</summary>
public interface IMatchSink
{
    /// <summary>An occurrence of <paramref name="word"/> at [start, end) of the scanned text; false stops the scan.</summary>
    bool OnMatch(int start, int end, ListedWord word);
}
