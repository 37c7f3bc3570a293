using System.Globalization;
using Live.Protocol;
using Live.V1;

namespace Live.MessageService.Fanout;

/// <summary>A message waiting in a room's pending batch: where its frame is in the buffer, and what it is.</summary>
public readonly record struct PendingMessage(int Offset, int Length, long Seq, bool IsPriority);

/// <summary>
/// What a feed held when its epoch changed: the old epoch's pending batch and controls, then the two frames
/// that tell every connection (not recovered, resume), flushed before anything of the new epoch.
/// </summary>
public sealed class EpochBoundary(PooledBufferWriter frames, List<PendingMessage> messages, List<RelayDown>? controls)
{
    public PooledBufferWriter Frames { get; } = frames;
    public List<PendingMessage> Messages { get; } = messages;
    public List<RelayDown>? Controls { get; } = controls;

    /// <summary>The highest seq forwarded in the epoch the connections were in before this boundary.</summary>
    public long LostUpTo { get; init; }

    public RelayDown[] Announcement { get; set; } = [];

    /// <summary>The text of the not-recovered frame that opens the new epoch.</summary>
    public static string LostReason(long lostUpTo, long newEpoch) => lostUpTo == 0
        ? string.Create(CultureInfo.InvariantCulture, $"the room's message stream is in epoch {newEpoch}")
        : string.Create(CultureInfo.InvariantCulture, $"the room's message stream was reset (now epoch {newEpoch}): messages after {lostUpTo} of the previous epoch cannot be recovered");

    /// <summary>The text of the not-recovered frame for held frames of the new epoch that could not be kept.</summary>
    public static string HeldLostReason(long after, long upTo) =>
        string.Create(CultureInfo.InvariantCulture, $"messages {after + 1}..{upTo} of the new epoch arrived while the stream was being reset and could not be kept; reconnect with last_seq {after} to read them from history");
}
