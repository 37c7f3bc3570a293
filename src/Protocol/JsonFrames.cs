using System.Buffers;
using System.Text.Json;

namespace Live.Protocol;

/// <summary>
/// A client's JSON frame; <paramref name="TraceParent"/> is the sender's W3C traceparent, when it sent one;
/// <paramref name="Seq"/> the user seq an ack covers.
/// </summary>
public readonly record struct ClientJsonMessage(FrameType Type, string? Content, string? Color, string? TraceParent = null, long Seq = 0);

/// <summary>
/// The JSON text form of the same frames, for simple clients: one object per frame, a batch is an object with
/// a "messages" array. The Edge converts each binary batch once per process for all its JSON clients.
/// </summary>
public static class JsonFrames
{
    private static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true };

    public static string TypeName(FrameType type) => type switch
    {
        FrameType.Danmaku => "danmaku",
        FrameType.Heartbeat => "heartbeat",
        FrameType.Gift => "gift",
        FrameType.System => "system",
        FrameType.JoinNotice => "join",
        FrameType.LeaveNotice => "leave",
        FrameType.Error => "error",
        FrameType.Batch => "batch",
        FrameType.Resume => "resume",
        FrameType.Delete => "delete",
        FrameType.NotRecovered => "not_recovered",
        FrameType.OnlineCount => "online_count",
        FrameType.RoomPass => "room_pass",
        FrameType.UserMessage => "user_message",
        FrameType.Ack => "ack",
        _ => "unknown",
    };

    /// <summary>Converts a binary frame (message or plain batch) to its JSON text form.</summary>
    public static DecodeStatus TryConvert(ReadOnlySpan<byte> binaryFrame, IBufferWriter<byte> output)
    {
        var status = FrameReader.TryReadHeader(binaryFrame, out var type, out _);
        if (status != DecodeStatus.Ok)
        {
            return status;
        }

        using var json = new Utf8JsonWriter(output, WriterOptions);
        if (type != FrameType.Batch)
        {
            status = FrameReader.TryReadSingleMessage(binaryFrame, out var message);
            if (status == DecodeStatus.Ok)
            {
                WriteMessage(json, message);
            }

            return status;
        }

        status = FrameReader.TryReadBatch(binaryFrame, out var batch);
        if (status != DecodeStatus.Ok)
        {
            return status;
        }

        if (batch.IsCompressed)
        {
            return DecodeStatus.BadFlags;
        }

        json.WriteStartObject();
        json.WriteString("type", "batch");
        json.WriteNumber("roomId", batch.RoomId);
        json.WriteNumber("firstSeq", batch.FirstSeq);
        json.WriteNumber("lastSeq", batch.LastSeq);
        json.WriteNumber("sampledOut", batch.SampledOut);
        json.WriteStartArray("messages");
        var reader = new BatchMessageReader(batch.Payload);
        while (reader.TryRead(out var message))
        {
            WriteMessage(json, message);
        }

        json.WriteEndArray();
        json.WriteEndObject();
        return reader.Status;
    }

    public static byte[]? ConvertToArray(ReadOnlySpan<byte> binaryFrame)
    {
        var output = new ArrayBufferWriter<byte>(binaryFrame.Length * 2 + 64);
        return TryConvert(binaryFrame, output) == DecodeStatus.Ok ? output.WrittenSpan.ToArray() : null;
    }

    public static void WriteMessage(Utf8JsonWriter json, in MessageFrame message)
    {
        if (message.Type == FrameType.Error)
        {
            WriteError(json, message);
            return;
        }

        if (message.Type == FrameType.RoomPass)
        {
            WriteRoomPass(json, message);
            return;
        }

        if (message.Type == FrameType.UserMessage)
        {
            WriteUserMessage(json, message);
            return;
        }

        json.WriteStartObject();
        json.WriteString("type", TypeName(message.Type));
        json.WriteNumber(message.Type switch
        {
            FrameType.Error => "code",
            FrameType.OnlineCount => "viewers",
            _ => "seq",
        }, message.Seq);
        json.WriteNumber("ts", message.TimestampMs);
        json.WriteNumber("roomId", message.RoomId);
        if (message.Type is FrameType.Resume or FrameType.NotRecovered)
        {
            // Their user id slot holds the epoch the seq belongs to, always written (ADR 0007).
            json.WriteNumber("epoch", message.UserId);
        }
        else if (message.UserId != 0)
        {
            json.WriteNumber("userId", message.UserId);
        }

        WriteText(json, "userName", message.UserName);
        WriteText(json, "content", message.Content);
        WriteText(json, "color", message.Color);
        json.WriteEndObject();
    }

    /// <summary>{"type":"error","code":12,"reason":"slow_mode","retryAfterMs":2300,"ts":…,"roomId":…,"content":"…"}.</summary>
    private static void WriteError(Utf8JsonWriter json, in MessageFrame error)
    {
        json.WriteStartObject();
        json.WriteString("type", TypeName(FrameType.Error));
        json.WriteNumber("code", error.Seq);
        WriteText(json, "reason", error.UserName);
        if (error.UserId > 0)
        {
            json.WriteNumber("retryAfterMs", error.UserId);
        }

        json.WriteNumber("ts", error.TimestampMs);
        json.WriteNumber("roomId", error.RoomId);
        WriteText(json, "content", error.Content);
        json.WriteEndObject();
    }

    /// <summary>{"type":"room_pass","expiresAt":…(Unix ms),"ts":…,"roomId":…,"userId":…,"pass":"…"}.</summary>
    private static void WriteRoomPass(Utf8JsonWriter json, in MessageFrame pass)
    {
        json.WriteStartObject();
        json.WriteString("type", TypeName(FrameType.RoomPass));
        json.WriteNumber("expiresAt", pass.Seq);
        json.WriteNumber("ts", pass.TimestampMs);
        json.WriteNumber("roomId", pass.RoomId);
        json.WriteNumber("userId", pass.UserId);
        WriteText(json, "pass", pass.Content);
        json.WriteEndObject();
    }

    /// <summary>
    /// {"type":"user_message","seq":…(the user's),"ts":…,"roomId":…,"kind":"moderation","durationSeconds":600,
    /// "fromUserId":…,"fromUserName":"…","content":"…"}; roomId, durationSeconds and the sender only when not 0/empty.
    /// </summary>
    private static void WriteUserMessage(Utf8JsonWriter json, in MessageFrame message)
    {
        json.WriteStartObject();
        json.WriteString("type", TypeName(FrameType.UserMessage));
        json.WriteNumber("seq", message.Seq);
        json.WriteNumber("ts", message.TimestampMs);
        json.WriteString("kind", UserMessageKinds.Name(message.UserMessageKind));
        if (message.RoomId != 0)
        {
            json.WriteNumber("roomId", message.RoomId);
        }

        if (message.DurationSeconds != 0)
        {
            json.WriteNumber("durationSeconds", message.DurationSeconds);
        }

        if (message.UserId != 0)
        {
            json.WriteNumber("fromUserId", message.UserId);
        }

        WriteText(json, "fromUserName", message.UserName);
        WriteText(json, "content", message.Content);
        json.WriteEndObject();
    }

    /// <summary>Parses a client's JSON text frame: {"type":"danmaku","content":"...","color":"#ffffff"} or {"type":"heartbeat"}.</summary>
    public static DecodeStatus TryParseClient(ReadOnlySpan<byte> utf8Json, out ClientJsonMessage message)
    {
        message = default;
        FrameType? type = null;
        string? content = null;
        string? color = null;
        string? traceParent = null;
        long seq = 0;
        try
        {
            var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { MaxDepth = 4 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return DecodeStatus.BadJson;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.ValueSpan;
                if (!reader.Read())
                {
                    return DecodeStatus.BadJson;
                }

                if (name.SequenceEqual("type"u8) && reader.TokenType == JsonTokenType.String)
                {
                    type = ParseType(reader.GetString());
                }
                else if (name.SequenceEqual("content"u8) && reader.TokenType == JsonTokenType.String)
                {
                    content = reader.GetString();
                }
                else if (name.SequenceEqual("color"u8) && reader.TokenType == JsonTokenType.String)
                {
                    color = reader.GetString();
                }
                else if (name.SequenceEqual("traceparent"u8) && reader.TokenType == JsonTokenType.String)
                {
                    traceParent = reader.GetString();
                }
                else if (name.SequenceEqual("seq"u8) && reader.TokenType == JsonTokenType.Number)
                {
                    if (!reader.TryGetInt64(out seq) || seq < 0)
                    {
                        return DecodeStatus.BadJson;
                    }
                }
                else
                {
                    reader.Skip();
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                return DecodeStatus.BadJson;
            }
        }
        catch (JsonException)
        {
            // Utf8JsonReader reports malformed JSON only by throwing; JSON is the simple-client path, binary is the fast one.
            return DecodeStatus.BadJson;
        }
        catch (InvalidOperationException)
        {
            return DecodeStatus.BadJson;
        }

        if (type is null)
        {
            return DecodeStatus.UnknownType;
        }

        message = new ClientJsonMessage(type.Value, content, color, traceParent, seq);
        return DecodeStatus.Ok;
    }

    private static FrameType? ParseType(string? name) => name switch
    {
        "danmaku" => FrameType.Danmaku,
        "heartbeat" => FrameType.Heartbeat,
        "gift" => FrameType.Gift,
        "system" => FrameType.System,
        "ack" => FrameType.Ack,
        _ => null,
    };

    private static void WriteText(Utf8JsonWriter json, string property, ReadOnlySpan<byte> utf8)
    {
        if (!utf8.IsEmpty)
        {
            json.WriteString(property, utf8);
        }
    }
}
