using System.Buffers;
using System.Collections.Frozen;
using System.Runtime.CompilerServices;
using Live.Moderation.Text;

namespace Live.Moderation.Words;

public enum WordVerdict : byte
{
    Clean,
    Masked,
    Blocked,
}

/// <summary>What the word lists say about a message: the verdict, the first word behind it and, when masked, the new text.</summary>
public readonly record struct WordScanResult(WordVerdict Verdict, string? MatchedWord, string? MaskedText)
{
    public static readonly WordScanResult Clean = new(WordVerdict.Clean, null, null);
}

/// <summary>
/// The word lists in force on this node: one automaton for the global list and one per room that has its
/// own words. A message in a room is scanned by both, so a change to the global list never rebuilds room
/// automata and a room automaton holds only that room's few words (see docs/moderation.md). Readers take
/// the current snapshot through a volatile reference; the reloader swaps in a new immutable one.
/// </summary>
public sealed class WordFilter(TextNormalizer normalizer)
{
    private const string Mask = "***";

    /// <summary>Texts up to this many chars (every message within the default length limit) use stack buffers.</summary>
    internal const int StackLimit = 256;

    private readonly Lock writeLock = new();
    private volatile WordSnapshot snapshot = WordSnapshot.Empty;

    public int GlobalWordCount => snapshot.Global.WordCount;

    public int RoomsWithWords => snapshot.Rooms.Count;

    public int RoomWordCount(long roomId) => snapshot.Rooms.TryGetValue(roomId, out var room) ? room.WordCount : 0;

    /// <summary>Replaces every list at once (start-up and periodic full reloads).</summary>
    public void ReplaceAll(AhoCorasickAutomaton global, IReadOnlyDictionary<long, AhoCorasickAutomaton> rooms)
    {
        lock (writeLock)
        {
            snapshot = new WordSnapshot(global, rooms.ToFrozenDictionary());
        }
    }

    public void ReplaceGlobal(AhoCorasickAutomaton global)
    {
        lock (writeLock)
        {
            snapshot = snapshot with { Global = global };
        }
    }

    /// <summary>Replaces the lists of some rooms; a room mapped to an automaton without words loses its list.</summary>
    public void ReplaceRooms(IReadOnlyDictionary<long, AhoCorasickAutomaton> changed)
    {
        lock (writeLock)
        {
            var rooms = new Dictionary<long, AhoCorasickAutomaton>(snapshot.Rooms);
            foreach (var (roomId, automaton) in changed)
            {
                if (automaton.WordCount == 0)
                {
                    rooms.Remove(roomId);
                }
                else
                {
                    rooms[roomId] = automaton;
                }
            }

            snapshot = snapshot with { Rooms = rooms.ToFrozenDictionary() };
        }
    }

    /// <summary>Normalizes and scans a message; convenience for callers that have not normalized it already.</summary>
    [SkipLocalsInit]
    public WordScanResult Scan(long roomId, ReadOnlySpan<char> text)
    {
        char[]? rentedText = null;
        int[]? rentedIndex = null;
        var normalized = text.Length <= StackLimit ? stackalloc char[StackLimit] : (rentedText = ArrayPool<char>.Shared.Rent(text.Length));
        var sourceIndex = text.Length <= StackLimit ? stackalloc int[StackLimit] : (rentedIndex = ArrayPool<int>.Shared.Rent(text.Length));
        try
        {
            var length = normalizer.Normalize(text, normalized, sourceIndex);
            return Scan(roomId, text, normalized[..length], sourceIndex[..length]);
        }
        finally
        {
            if (rentedText is not null)
            {
                ArrayPool<char>.Shared.Return(rentedText);
                ArrayPool<int>.Shared.Return(rentedIndex!);
            }
        }
    }

    /// <summary>
    /// Scans <paramref name="normalized"/> (produced by <see cref="TextNormalizer"/> from <paramref name="original"/>
    /// with <paramref name="sourceIndex"/>) with the global list and the room's list. Any block word blocks;
    /// otherwise every mask word is replaced by <c>***</c> in the original text, separators inside it included.
    /// </summary>
    [SkipLocalsInit]
    public WordScanResult Scan(long roomId, ReadOnlySpan<char> original, ReadOnlySpan<char> normalized, ReadOnlySpan<int> sourceIndex)
    {
        if (normalized.IsEmpty)
        {
            return WordScanResult.Clean;
        }

        var current = snapshot;
        current.Rooms.TryGetValue(roomId, out var room);

        // Each automaton reports ranges in order of end and merges them as it goes, so each needs at most
        // one range per normalized char.
        Range[]? rented = null;
        var ranges = normalized.Length <= StackLimit
            ? stackalloc Range[StackLimit * 2]
            : (rented = ArrayPool<Range>.Shared.Rent(normalized.Length * 2));
        ranges = ranges[..(normalized.Length * 2)];
        try
        {
            var global = new MaskSink(ranges[..normalized.Length]);
            current.Global.Scan(normalized, ref global);
            if (global.BlockedBy is { } blockedGlobally)
            {
                return new WordScanResult(WordVerdict.Blocked, blockedGlobally.Word, null);
            }

            var local = new MaskSink(ranges[normalized.Length..]);
            room?.Scan(normalized, ref local);
            if (local.BlockedBy is { } blockedInRoom)
            {
                return new WordScanResult(WordVerdict.Blocked, blockedInRoom.Word, null);
            }

            if (global.Count == 0 && local.Count == 0)
            {
                return WordScanResult.Clean;
            }

            var masked = BuildMaskedText(original, sourceIndex, ranges, global.Count, normalized.Length, local.Count);
            return new WordScanResult(WordVerdict.Masked, (global.FirstMasked ?? local.FirstMasked)!.Word, masked);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<Range>.Shared.Return(rented);
            }
        }
    }

    private static string BuildMaskedText(ReadOnlySpan<char> original, ReadOnlySpan<int> sourceIndex, Span<Range> ranges, int globalCount, int localOffset, int localCount)
    {
        // Bring both lists together (they are short) and merge ranges that now overlap or touch.
        ranges.Slice(localOffset, localCount).CopyTo(ranges[globalCount..]);
        var all = ranges[..(globalCount + localCount)];
        all.Sort(static (a, b) => a.Start.Value.CompareTo(b.Start.Value));
        var merged = 0;
        foreach (var range in all)
        {
            if (merged > 0 && range.Start.Value <= all[merged - 1].End.Value)
            {
                all[merged - 1] = new Range(all[merged - 1].Start, Math.Max(all[merged - 1].End.Value, range.End.Value));
            }
            else
            {
                all[merged++] = range;
            }
        }

        var output = ArrayPool<char>.Shared.Rent(original.Length + merged * Mask.Length);
        try
        {
            var written = 0;
            var copied = 0;
            foreach (var range in all[..merged])
            {
                var from = sourceIndex[range.Start.Value];
                var to = sourceIndex[range.End.Value - 1] + 1;
                original[copied..from].CopyTo(output.AsSpan(written));
                written += from - copied;
                Mask.CopyTo(output.AsSpan(written));
                written += Mask.Length;
                copied = to;
            }

            original[copied..].CopyTo(output.AsSpan(written));
            written += original.Length - copied;
            return new string(output, 0, written);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(output);
        }
    }

    private sealed record WordSnapshot(AhoCorasickAutomaton Global, FrozenDictionary<long, AhoCorasickAutomaton> Rooms)
    {
        public static readonly WordSnapshot Empty = new(AhoCorasickAutomaton.Empty, FrozenDictionary<long, AhoCorasickAutomaton>.Empty);
    }

    /// <summary>Stops at the first block word; otherwise keeps mask ranges merged as they arrive (ends only grow).</summary>
    private ref struct MaskSink(Span<Range> ranges) : IMatchSink
    {
        private readonly Span<Range> ranges = ranges;

        public int Count { get; private set; }

        public ListedWord? BlockedBy { get; private set; }

        public ListedWord? FirstMasked { get; private set; }

        public bool OnMatch(int start, int end, ListedWord word)
        {
            if (word.Action == WordAction.Block)
            {
                BlockedBy = word;
                return false;
            }

            FirstMasked ??= word;
            while (Count > 0 && ranges[Count - 1].End.Value >= start)
            {
                start = Math.Min(start, ranges[Count - 1].Start.Value);
                Count--;
            }

            ranges[Count++] = new Range(start, end);
            return true;
        }
    }
}
