using Live.Protocol;

namespace Live.Realtime.Tests;

/// <summary>What a client saw, checked against the promise of docs/protocol.md: no silent gap, no repeat.</summary>
internal static class StreamWalk
{
    /// <summary>
    /// Walks what a client saw: each message must be the one right after the client's position in its epoch
    /// (from the last resume frame, or the start of an epoch a not-recovered frame moved it to, as a replay of
    /// that epoch follows); only a not-recovered frame followed by a resume frame may move it elsewhere.
    /// </summary>
    public static void AssertNoSilentGapOrRepeat(List<ClientEvent> seen, long startEpoch, long startSeq)
    {
        var epoch = startEpoch;
        var position = startSeq;
        var told = false;
        foreach (var e in seen)
        {
            if (e.Type == FrameType.NotRecovered)
            {
                (epoch, position) = e.Epoch != epoch ? (e.Epoch, 0) : (epoch, Math.Max(position, e.Seq));
                told = true;
            }
            else if (e.Type == FrameType.Resume)
            {
                Assert.True(told || (e.Epoch == epoch && e.Seq == position), $"a resume to seq {e.Seq} of epoch {e.Epoch} from {position} of {epoch} without a not-recovered frame");
                (epoch, position, told) = (e.Epoch, e.Seq, false);
            }
            else if (IsMessage(e))
            {
                Assert.True(e.Seq == position + 1, $"'{e.Content}' has seq {e.Seq} in epoch {epoch} after {position}: {(e.Seq <= position ? "a repeated seq" : "a silent gap")}");
                position = e.Seq;
            }
        }
    }

    public static bool IsMessage(ClientEvent e) => e.Type is FrameType.Danmaku or FrameType.Gift or FrameType.System;
}
