using System.Diagnostics;
using System.Text;
using Live.Fuzz;
using Live.Protocol;

// What the Edge does with a client's binary frame (src/Edge/Connections/InboundGate.OnFrame): parse it as exactly one
// message frame; a status other than Ok becomes an error frame to the client (the documented rejection); an Ok frame
// has its danmaku text decoded and its trace context read. InboundGate catches nothing around this, so any
// exception here would end the connection's receive loop: a crash.
return FuzzHost.Run(args, ReadAsTheEdgeDoes, Seeds);

static void ReadAsTheEdgeDoes(byte[] input)
{
    var status = FrameReader.TryReadSingleMessage(input, out var frame);
    if (status != DecodeStatus.Ok)
    {
        // The error frame's text for this status, as InboundGate.Invalid sends it.
        _ = DecodeStatusText.Describe(status);
        return;
    }

    if (frame.Type is FrameType.Danmaku)
    {
        _ = Encoding.UTF8.GetString(frame.Content);
        _ = Encoding.UTF8.GetString(frame.Color);
        _ = frame.ParentContext;
    }

    _ = JsonFrames.TypeName(frame.Type);
    _ = frame.UserMessageKind;
    _ = frame.DurationSeconds;
}

static IEnumerable<(string, byte[])> Seeds()
{
    var traceContext = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);
    var danmaku = FrameWriter.EncodeMessage(FrameType.Danmaku, 1_700_000_000_000, 0, 7, 0, null, "hello 世界", "#ffffff");
    yield return ("danmaku", danmaku);
    yield return ("danmaku-traced", FrameWriter.EncodeTracedMessage(FrameType.Danmaku, 1_700_000_000_000, 7, "traced", "#ff0000", traceContext));
    yield return ("heartbeat", FrameWriter.EncodeControl(FrameType.Heartbeat, 1_700_000_000_000, 7, 0));
    yield return ("ack", FrameWriter.EncodeAck(42));
    yield return ("gift", FrameWriter.EncodeMessage(FrameType.Gift, 1, 1001, 7, 3, "alice", "Rose ×1", null));
    yield return ("user-message", FrameWriter.EncodeUserMessage(5, 1, 1, "mod", 7, 600, 1, "timed out"));
    // Near-valid: one byte short, one byte too many, a field length past the end, invalid UTF-8.
    yield return ("truncated", danmaku[..^1]);
    yield return ("trailing", [.. danmaku, 0]);
    var badLength = (byte[])danmaku.Clone();
    badLength[FrameLayout.HeaderSize] = 0xFF;
    yield return ("bad-length", badLength);
    var badUtf8 = FrameWriter.EncodeMessage(FrameType.Danmaku, 1, 0, 7, 0, null, "ab", null);
    badUtf8[FrameLayout.HeaderSize + 4] = 0xC3;
    yield return ("invalid-utf8", badUtf8);
}
