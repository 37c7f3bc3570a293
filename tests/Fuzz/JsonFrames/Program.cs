using System.Text.Json;
using Google.Protobuf;
using Live.Edge.Telemetry;
using Live.Fuzz;
using Live.Protocol;
using Live.V1;

// What the Edge does with a client's JSON text frame (src/Edge/Connections/InboundGate.OnFrame): JsonFrames.TryParseClient;
// a status other than Ok is the documented rejection (an error frame); an Ok danmaku has its "traceparent" parsed,
// becomes the ClientMessage that goes up the relay (its receive span started and ended) and is serialized as the
// relay's writer does. InboundGate catches nothing around this, so any exception is a crash.
return FuzzHost.Run(args, ReadAsTheEdgeDoes, Seeds);

static void ReadAsTheEdgeDoes(byte[] input)
{
    var status = JsonFrames.TryParseClient(input, out var json);
    if (status != DecodeStatus.Ok)
    {
        _ = DecodeStatusText.Describe(status);
        return;
    }

    if (json.Type != FrameType.Danmaku)
    {
        // Acks, heartbeats and the types clients may not send (answered with an error frame) carry no text.
        _ = JsonFrames.TypeName(json.Type);
        return;
    }

    var message = new ClientMessage
    {
        ConnectionId = 1,
        RoomId = 7,
        UserId = 1001,
        UserName = "alice",
        Kind = MessageKind.Danmaku,
        Content = json.Content ?? string.Empty,
        Color = json.Color ?? string.Empty,
    };
    var activity = MessageTracing.StartReceive(MessageTracing.Parse(json.TraceParent), message);
    MessageTracing.End(activity, null);
    _ = new RelayUp { Message = message }.ToByteArray();
}

static IEnumerable<(string, byte[])> Seeds()
{
    yield return ("danmaku", Json(w =>
    {
        w.WriteString("type", "danmaku");
        w.WriteString("content", "hello 世界");
        w.WriteString("color", "#ffffff");
    }));
    yield return ("danmaku-traced", Json(w =>
    {
        w.WriteString("type", "danmaku");
        w.WriteString("content", "traced");
        w.WriteString("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
    }));
    yield return ("heartbeat", Json(w => w.WriteString("type", "heartbeat")));
    yield return ("ack", Json(w =>
    {
        w.WriteString("type", "ack");
        w.WriteNumber("seq", 42);
    }));
    yield return ("unknown-property", Json(w =>
    {
        w.WriteString("type", "danmaku");
        w.WriteStartObject("extra");
        w.WriteStartArray("list");
        w.WriteNumberValue(1.5);
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteString("content", "\\u0041\u0001");
    }));
    // Near-valid: a negative ack, an unknown type, a cut-off object, a bad traceparent.
    yield return ("negative-ack", "{\"type\":\"ack\",\"seq\":-1}"u8.ToArray());
    yield return ("unknown-type", "{\"type\":\"batch\",\"content\":\"x\"}"u8.ToArray());
    yield return ("cut-off", "{\"type\":\"danmaku\",\"content\":\"x"u8.ToArray());
    yield return ("bad-traceparent", "{\"type\":\"danmaku\",\"content\":\"x\",\"traceparent\":\"00-zz-01\"}"u8.ToArray());
}

static byte[] Json(Action<Utf8JsonWriter> properties)
{
    using var buffer = new MemoryStream();
    using (var writer = new Utf8JsonWriter(buffer))
    {
        writer.WriteStartObject();
        properties(writer);
        writer.WriteEndObject();
    }

    return buffer.ToArray();
}
