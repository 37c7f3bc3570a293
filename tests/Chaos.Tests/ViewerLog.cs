using Live.Protocol;
using Live.Realtime.Tests;

namespace Live.Chaos.Tests;

/// <summary>The promise every scenario checks on what a viewer saw: each message once, in seq order, or a not-recovered frame for what is missing.</summary>
public static class ViewerLog
{
    public static bool IsMessage(ClientEvent e) => e.Type is FrameType.Danmaku or FrameType.Gift or FrameType.System;

    /// <summary>
    /// Walks a viewer's log from its first resume frame: every message must follow the previous one by exactly one
    /// seq within its epoch; a jump is allowed only after a not-recovered frame that covers it (or starts a new epoch).
    /// Returns the seq ranges the viewer was told it lost (old epoch's, as (epoch, from, to)).
    /// </summary>
    public static List<(long Epoch, long From, long To)> AssertGaplessOrTold(IReadOnlyList<ClientEvent> seen, string who)
    {
        var told = new List<(long, long, long)>();
        long epoch = 0;
        long? position = null;
        var excused = false;
        foreach (var e in seen)
        {
            if (e.Type == FrameType.NotRecovered)
            {
                told.Add((epoch, (position ?? 0) + 1, e.Seq));
                (epoch, position) = e.Epoch != epoch ? (e.Epoch, 0) : (epoch, Math.Max(position ?? 0, e.Seq));
                excused = true;
            }
            else if (e.Type == FrameType.Resume)
            {
                Assert.True(position is null || excused || (e.Epoch == epoch && e.Seq == position),
                    $"{who}: a resume to seq {e.Seq} of epoch {e.Epoch} from {position} of {epoch} without a not-recovered frame");
                (epoch, position, excused) = (e.Epoch, e.Seq, false);
            }
            else if (IsMessage(e) && position is { } at)
            {
                Assert.True(e.Seq == at + 1,
                    $"{who}: '{e.Content}' has seq {e.Seq} in epoch {epoch} after {at}: {(e.Seq <= at ? "a repeated seq" : "a silent gap")}");
                position = e.Seq;
            }
        }

        return told;
    }
}
