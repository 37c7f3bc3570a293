using System.Diagnostics;
using Live.V1;

namespace Live.Edge.Telemetry;

/// <summary>
/// The Edge's span of a client's send, for frames that carry the sender's trace context (docs/protocol.md): a
/// child of the client's span, whose own context goes up the relay (ClientMessage.traceparent) for
/// MessageService's ingest to continue. Frames without a trace context cost nothing here.
/// </summary>
public static class MessageTracing
{
    public const string ReceiveSpanName = "danmaku receive";

    public static readonly ActivitySource ActivitySource = new(EdgeMetrics.Name);

    /// <summary>The context of a JSON frame's "traceparent"; default when absent or invalid (ignored, as W3C asks).</summary>
    public static ActivityContext Parse(string? traceparent) =>
        traceparent is { Length: > 0 } && ActivityContext.TryParse(traceparent, null, isRemote: true, out var context) ? context : default;

    /// <summary>Starts the span and sets <paramref name="message"/>'s traceparent; null when the frame had no trace context.</summary>
    public static Activity? StartReceive(in ActivityContext traceContext, ClientMessage message)
    {
        if (traceContext == default)
        {
            return null;
        }

        var connection = Activity.Current;
        var activity = ActivitySource.StartActivity(ReceiveSpanName, ActivityKind.Server, traceContext);
        if (activity is not null)
        {
            // The receive loop goes on in the connection's span; this one only has to be ended (Sent).
            Activity.Current = connection;
            activity.SetTag("live.room_id", message.RoomId);
            activity.SetTag("live.connection_id", message.ConnectionId);
            message.Traceparent = activity.Id;
        }
        else
        {
            // Nobody records here: the client's own context still travels on, so the trace is not cut.
            message.Traceparent = Format(traceContext);
        }

        return activity;
    }

    /// <summary>Ends the span; <paramref name="refusal"/> is why the relay did not take the message, null when it did.</summary>
    public static void End(Activity? activity, string? refusal)
    {
        if (activity is null)
        {
            return;
        }

        if (refusal is not null)
        {
            activity.SetStatus(ActivityStatusCode.Error, refusal);
        }

        activity.Stop();
    }

    private static string Format(in ActivityContext context) =>
        $"00-{context.TraceId.ToHexString()}-{context.SpanId.ToHexString()}-{(context.TraceFlags & ActivityTraceFlags.Recorded) switch { 0 => "00", _ => "01" }}";
}
