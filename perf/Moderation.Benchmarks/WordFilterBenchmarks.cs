using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using Live.Moderation.Text;
using Live.Moderation.Words;

namespace Live.Moderation.Benchmarks;

/// <summary>
/// The word path of the pipeline with 10,000 words loaded, over 1,000 chat messages; every figure is per
/// message. Matcher = the automaton alone over normalized text; Normalize = folding with its position map;
/// NormalizeAndScan = what the pipeline does (pooled buffers, global and room lists, masking).
/// </summary>
[Config(typeof(Config))]
public class WordFilterBenchmarks
{
    private const long Room = 1;

    private string[] messages = [];
    private char[][] normalized = [];
    private int[][] sourceIndex = [];
    private TextNormalizer normalizer = null!;
    private WordFilter filter = null!;
    private AhoCorasickAutomaton automaton = null!;
    private List<ListedWord> words = [];
    private char[] buffer = [];
    private int[] indexBuffer = [];

    [GlobalSetup]
    public void Setup()
    {
        normalizer = new TextNormalizer(new ModerationOptions().Separators);
        words = [.. DanmakuCorpus.Words().Select(w => w with { Word = normalizer.NormalizeWord(w.Word) })];
        automaton = AhoCorasickAutomaton.Build(words);
        filter = new WordFilter(normalizer);
        filter.ReplaceAll(automaton, new Dictionary<long, AhoCorasickAutomaton>
        {
            [Room] = AhoCorasickAutomaton.Build([new ListedWord("spoiler", WordAction.Mask), new ListedWord("rival", WordAction.Block)]),
        });
        messages = DanmakuCorpus.Messages(words);
        normalized = new char[messages.Length][];
        sourceIndex = new int[messages.Length][];
        for (var i = 0; i < messages.Length; i++)
        {
            var output = new char[messages[i].Length];
            var index = new int[messages[i].Length];
            var length = normalizer.Normalize(messages[i], output, index);
            normalized[i] = output[..length];
            sourceIndex[i] = index[..length];
        }

        buffer = new char[256];
        indexBuffer = new int[256];
    }

    [Benchmark(OperationsPerInvoke = DanmakuCorpus.MessageCount)]
    public int Matcher()
    {
        var found = 0;
        foreach (var text in normalized)
        {
            var sink = new CountingSink();
            automaton.Scan(text, ref sink);
            found += sink.Count;
        }

        return found;
    }

    [Benchmark(OperationsPerInvoke = DanmakuCorpus.MessageCount)]
    public int Normalize()
    {
        var total = 0;
        foreach (var message in messages)
        {
            total += normalizer.Normalize(message, buffer, indexBuffer);
        }

        return total;
    }

    [Benchmark(OperationsPerInvoke = DanmakuCorpus.MessageCount)]
    public int ScanNormalized()
    {
        var flagged = 0;
        for (var i = 0; i < messages.Length; i++)
        {
            flagged += (int)filter.Scan(Room, messages[i], normalized[i], sourceIndex[i]).Verdict;
        }

        return flagged;
    }

    [Benchmark(OperationsPerInvoke = DanmakuCorpus.MessageCount)]
    public int NormalizeAndScan()
    {
        var flagged = 0;
        foreach (var message in messages)
        {
            flagged += (int)filter.Scan(Room, message).Verdict;
        }

        return flagged;
    }

    [Benchmark]
    [BenchmarkCategory("build")]
    public int Build10kWords() => AhoCorasickAutomaton.Build(words).StateCount;

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddDiagnoser(MemoryDiagnoser.Default);
            AddColumn(new ThroughputColumn(megabytes: true), new ThroughputColumn(megabytes: false));
        }
    }

    private struct CountingSink : IMatchSink
    {
        public int Count;

        public bool OnMatch(int start, int end, ListedWord word)
        {
            Count++;
            return true;
        }
    }
}
