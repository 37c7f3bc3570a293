using System.Diagnostics;

namespace Live.Protocol;

/// <summary>The binary trace context of a traced message frame (flag <c>traced</c>): trace id, parent span id, trace flags.</summary>
public static class TraceContextCodec
{
    public static void Write(Span<byte> destination, in ActivityContext context)
    {
        context.TraceId.CopyTo(destination[..16]);
        context.SpanId.CopyTo(destination.Slice(16, 8));
        destination[24] = (byte)context.TraceFlags;
    }

    /// <returns>default when <paramref name="source"/> is empty or an id is all zeros: such a context is ignored, not an error.</returns>
    public static ActivityContext Read(ReadOnlySpan<byte> source)
    {
        if (source.Length != FrameLayout.TraceContextSize || source[..16].IndexOfAnyExcept((byte)0) < 0 || source.Slice(16, 8).IndexOfAnyExcept((byte)0) < 0)
        {
            return default;
        }

        return new ActivityContext(
            ActivityTraceId.CreateFromBytes(source[..16]),
            ActivitySpanId.CreateFromBytes(source.Slice(16, 8)),
            (ActivityTraceFlags)(source[24] & (byte)ActivityTraceFlags.Recorded),
            isRemote: true);
    }
}
