using System.Diagnostics;
using System.Text;

namespace Live.Protocol.Unit.Tests;

/// <summary>Flag <c>traced</c>: a client's danmaku frame carries its sender's W3C trace context after the text fields.</summary>
public sealed class TracedFrameTests
{
    private static readonly ActivityContext Context = new(
        ActivityTraceId.CreateFromString("4bf92f3577b34da6a3ce929d0e0e4736"), ActivitySpanId.CreateFromString("00f067aa0ba902b7"), ActivityTraceFlags.Recorded);

    [Fact]
    public void A_traced_frame_round_trips_its_fields_and_its_context()
    {
        var bytes = FrameWriter.EncodeTracedMessage(FrameType.Danmaku, 0, 77, "hello", "#ffffff", Context);

        Assert.Equal((byte)FrameFlags.Traced, bytes[FrameLayout.FlagsOffset]);
        Assert.Equal(FrameWriter.MessageSize(null, "hello", "#ffffff") + FrameLayout.TraceContextSize, bytes.Length);
        Assert.Equal(DecodeStatus.Ok, FrameReader.TryReadSingleMessage(bytes, out var frame));
        Assert.Equal("hello", Encoding.UTF8.GetString(frame.Content));
        Assert.Equal("#ffffff", Encoding.UTF8.GetString(frame.Color));
        Assert.Equal(Context.TraceId, frame.ParentContext.TraceId);
        Assert.Equal(Context.SpanId, frame.ParentContext.SpanId);
        Assert.Equal(ActivityTraceFlags.Recorded, frame.ParentContext.TraceFlags);
        Assert.True(frame.ParentContext.IsRemote);
    }

    [Fact]
    public void The_context_is_trace_id_span_id_and_flags_in_that_order()
    {
        var bytes = FrameWriter.EncodeTracedMessage(FrameType.Danmaku, 0, 77, "x", null, Context);
        var tail = bytes.AsSpan(bytes.Length - FrameLayout.TraceContextSize);

        Assert.Equal(Convert.FromHexString("4bf92f3577b34da6a3ce929d0e0e4736"), tail[..16].ToArray());
        Assert.Equal(Convert.FromHexString("00f067aa0ba902b7"), tail.Slice(16, 8).ToArray());
        Assert.Equal(1, tail[24]);
    }

    [Fact]
    public void An_untraced_frame_has_no_context()
    {
        var bytes = FrameWriter.EncodeMessage(FrameType.Danmaku, 0, 0, 77, 0, null, "hello", null);

        Assert.Equal(DecodeStatus.Ok, FrameReader.TryReadSingleMessage(bytes, out var frame));
        Assert.True(frame.TraceContext.IsEmpty);
        Assert.Equal(default, frame.ParentContext);
    }

    [Fact]
    public void A_traced_flag_without_the_context_bytes_is_truncated()
    {
        var bytes = FrameWriter.EncodeTracedMessage(FrameType.Danmaku, 0, 77, "hello", null, Context);

        Assert.Equal(DecodeStatus.Truncated, FrameReader.TryReadSingleMessage(bytes.AsSpan(0, bytes.Length - 1), out _));
        Assert.Equal(DecodeStatus.TrailingBytes, FrameReader.TryReadSingleMessage([.. bytes, 0], out _));
    }

    [Fact]
    public void An_all_zero_id_is_ignored_not_an_error()
    {
        var bytes = FrameWriter.EncodeTracedMessage(FrameType.Danmaku, 0, 77, "hello", null, Context);
        bytes.AsSpan(bytes.Length - FrameLayout.TraceContextSize, 16).Clear();

        Assert.Equal(DecodeStatus.Ok, FrameReader.TryReadSingleMessage(bytes, out var frame));
        Assert.Equal(default, frame.ParentContext);
    }

    [Fact]
    public void Traced_is_not_a_batch_flag()
    {
        var batch = BatchEncoder.EncodePlain(77, 0, 1, 1, 1, 0, FrameWriter.EncodeMessage(FrameType.Danmaku, 0, 1, 77, 1, "a", "b", null));
        batch[FrameLayout.FlagsOffset] |= (byte)FrameFlags.Traced;

        Assert.Equal(DecodeStatus.BadFlags, FrameReader.TryReadBatch(batch, out _));
    }

    [Fact]
    public void A_json_client_frame_may_carry_a_traceparent()
    {
        var json = """{"type":"danmaku","content":"hi","traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}"""u8;

        Assert.Equal(DecodeStatus.Ok, JsonFrames.TryParseClient(json, out var message));
        Assert.Equal("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", message.TraceParent);
        Assert.Equal("hi", message.Content);
    }
}
