using System.Diagnostics;
using Live.Edge.Telemetry;
using Live.MessageService.Relay;
using Live.StatsService.Telemetry;

namespace Live.Operations.Tests;

/// <summary>
/// One W3C trace from a client's send to StatsService's apply: the Proxy (the WebSocket's upgrade and its
/// forwarding), the Edge (the connection, then the frame's own context), MessageService's ingest, the Kafka
/// record (producer span, context in the record's headers) and StatsService's apply of the batch holding it.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class TraceTests(PlatformEnvironment env)
{
    [Fact]
    public async Task OneSendIsOneTraceFromTheProxyToStatsApply()
    {
        var (tokens, room) = await env.LiveRoomAsync();
        ActivityContext send;
        ActivityContext connect;
        await using (var client = await TracedClient.ConnectAsync(env, tokens.AccessToken, room.Id))
        {
            connect = client.Connect;
            send = await client.SendAsync(room.Id, "traced hello");
            await client.ReceiveBatchWithAsync("traced hello");
            await WaitForAsync(send.TraceId, () => InTrace(send.TraceId).Any(s => s.DisplayName == ApplyTracing.ApplySpanName), "StatsService's apply span");
        }

        // The WebSocket's own spans (Proxy and Edge) end when it closes.
        await WaitForAsync(send.TraceId, () => InTrace(send.TraceId).Count(s => s.Kind == ActivityKind.Server && Path(s) == "/ws") == 2, "the Proxy's and the Edge's /ws spans");
        var spans = InTrace(send.TraceId);
        var proxyPort = env.Proxy.PublicAddress.Port;
        // The Proxy reaches the Edge on its HTTP/2 port: the Edge's span is the extended CONNECT of that stream.
        var edgePort = env.Edge.GrpcAddress.Port;

        var proxy = Single(spans, s => s.Kind == ActivityKind.Server && Path(s) == "/ws" && Port(s) == proxyPort, "the Proxy's /ws span");
        var forward = Single(spans, s => s.Kind == ActivityKind.Client && s.ParentSpanId == proxy.SpanId, "the Proxy's forwarding span to the Edge");
        var edgeSocket = Single(spans, s => s.Kind == ActivityKind.Server && Path(s) == "/ws" && Port(s) == edgePort, "the Edge's /ws span");
        var receive = Single(spans, s => s.DisplayName == MessageTracing.ReceiveSpanName, "the Edge's receive span");
        var ingest = Single(spans, s => s.DisplayName == IngestTracing.IngestSpanName, "MessageService's ingest span");
        var publish = Single(spans, s => s.Kind == ActivityKind.Producer && s.ParentSpanId == ingest.SpanId, "the Kafka publish span");
        var apply = Single(spans, s => s.DisplayName == ApplyTracing.ApplySpanName, "StatsService's apply span");

        // One trace id across all of them (InTrace selected by it) and each span's parent is the one before it.
        Assert.Equal(connect.SpanId, proxy.ParentSpanId);
        Assert.Equal(forward.SpanId, edgeSocket.ParentSpanId);
        Assert.Equal(send.SpanId, receive.ParentSpanId);
        Assert.Equal(receive.SpanId, ingest.ParentSpanId);
        Assert.Equal(ingest.SpanId, publish.ParentSpanId);
        Assert.Equal(publish.SpanId, apply.ParentSpanId);
        Assert.Equal(env.LiveMessagesTopic + " publish", publish.DisplayName);
        Assert.Equal(room.Id, publish.GetTagItem("live.room_id"));
        Assert.True(ingest.GetTagItem("live.seq") is long seq && seq > 0, "the ingest span names the seq the message got");
    }

    private IReadOnlyList<Activity> InTrace(ActivityTraceId traceId) => [.. env.Spans.Where(s => s.TraceId == traceId)];

    private static string? Path(Activity span) => span.GetTagItem("url.path") as string;

    private static int? Port(Activity span) => span.GetTagItem("server.port") switch
    {
        int port => port,
        long port => (int)port,
        string text when int.TryParse(text, out var port) => port,
        _ => null,
    };

    private static Activity Single(IReadOnlyList<Activity> spans, Func<Activity, bool> match, string what)
    {
        var found = spans.Where(match).ToList();
        Assert.True(found.Count == 1, $"expected one {what}, found {found.Count}; the trace has: " + Describe(spans));
        return found[0];
    }

    private static string Describe(IEnumerable<Activity> spans) =>
        string.Join("; ", spans.Select(s => $"{s.Source.Name} '{s.DisplayName}' {s.Kind} span {s.SpanId} parent {s.ParentSpanId} "
            + string.Join(",", s.TagObjects.Select(t => $"{t.Key}={t.Value}"))));

    private async Task WaitForAsync(ActivityTraceId traceId, Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{what} never arrived; spans recorded: {env.Spans.Count}; of the trace: " + Describe(env.Spans.Where(s => s.TraceId == traceId)));
            }

            await Task.Delay(100);
        }
    }
}
