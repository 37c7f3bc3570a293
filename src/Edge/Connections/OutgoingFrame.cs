using Live.Protocol;

namespace Live.Edge.Connections;

public enum ClientFormat : byte
{
    Binary,
    BinaryZstd,
    Json,
}

/// <summary>
/// Bytes on their way to clients, shared by every connection that gets them: a room batch is one instance
/// per Edge, written as-is to each local connection. The JSON form and the priority-only subset (for slow
/// readers) are made at most once, on first use.
/// </summary>
public sealed class OutgoingFrame
{
    private readonly ReadOnlyMemory<byte> binary;
    private readonly ReadOnlyMemory<byte> compressed;
    private byte[]? json;
    private OutgoingFrame? priorityOnly;
    private int priorityOnlyComputed;

    /// <param name="compressed">The zstd form, or empty when there is none.</param>
    public OutgoingFrame(ReadOnlyMemory<byte> binary, ReadOnlyMemory<byte> compressed, long firstSeq, long lastSeq, bool isBatch, bool hasPriority)
    {
        this.binary = binary;
        this.compressed = compressed;
        FirstSeq = firstSeq;
        LastSeq = lastSeq;
        IsBatch = isBatch;
        HasPriority = hasPriority;
    }

    public long FirstSeq { get; }
    public long LastSeq { get; }
    public bool IsBatch { get; }

    /// <summary>Holds a gift or system message (or is a control frame a client must get).</summary>
    public bool HasPriority { get; }

    /// <summary>A resume frame that starts a new epoch: a connection's position becomes <see cref="LastSeq"/> of it.</summary>
    public bool StartsEpoch { get; private init; }

    /// <summary>The resume frame of an epoch change, for every connection of a room.</summary>
    public static OutgoingFrame EpochResume(ReadOnlyMemory<byte> binary, long startsAfter) =>
        new(binary, default, startsAfter, startsAfter, isBatch: false, hasPriority: true) { StartsEpoch = true };

    /// <summary>A frame made for one connection (error, replay, resume, …).</summary>
    public static OutgoingFrame Control(ReadOnlyMemory<byte> binary, bool mustDeliver = true) => new(binary, default, 0, 0, isBatch: false, hasPriority: mustDeliver);

    public ReadOnlyMemory<byte> BytesFor(ClientFormat format) => format switch
    {
        ClientFormat.BinaryZstd => compressed.IsEmpty ? binary : compressed,
        ClientFormat.Json => Json(),
        _ => binary,
    };

    /// <summary>The same batch without its ordinary danmaku; null when nothing would be left.</summary>
    public OutgoingFrame? PriorityOnly()
    {
        if (!IsBatch || !HasPriority)
        {
            return null;
        }

        if (Volatile.Read(ref priorityOnlyComputed) == 0)
        {
            var subset = BatchSubset.Select(binary.Span, 0, priorityOnly: true);
            Interlocked.CompareExchange(ref priorityOnly, subset is null ? null : new OutgoingFrame(subset, default, FirstSeq, LastSeq, true, true), null);
            Volatile.Write(ref priorityOnlyComputed, 1);
        }

        return priorityOnly;
    }

    /// <summary>For a reader that already has everything up to <paramref name="seq"/>: this frame, a subset, or null.</summary>
    public OutgoingFrame? After(long seq)
    {
        if (!IsBatch || FirstSeq > seq)
        {
            return this;
        }

        if (LastSeq <= seq)
        {
            return null;
        }

        var subset = BatchSubset.Select(binary.Span, seq, priorityOnly: false);
        return subset is null ? null : new OutgoingFrame(subset, default, seq + 1, LastSeq, true, HasPriority);
    }

    private byte[] Json()
    {
        var existing = Volatile.Read(ref json);
        if (existing is not null)
        {
            return existing;
        }

        var converted = JsonFrames.ConvertToArray(binary.Span) ?? "{\"type\":\"error\",\"code\":1,\"content\":\"unconvertible frame\"}"u8.ToArray();
        return Interlocked.CompareExchange(ref json, converted, null) ?? converted;
    }
}
