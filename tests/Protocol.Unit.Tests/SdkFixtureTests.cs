using System.Buffers;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Live.Protocol.Unit.Tests;

/// <summary>
/// Frames made by this codec for the TypeScript SDK's codec tests: written to web/sdk/test/fixtures/frames.json
/// with what each must decode to, in the SDK's own shape. The file is checked in; when the codec's output
/// changes this test rewrites it and fails once, so the change is seen and committed with the SDK still passing.
/// </summary>
public sealed class SdkFixtureTests
{
    private const long Room = 4_503_599_627_370_497; // 2^52 + 1: above 32 bits, still exact as a JavaScript number
    private const long Ts = 1_763_840_000_123;
    private const long Epoch = 1_763_839_990_000_001; // an epoch is Redis TIME in µs (ADR 0007): below 2^53, exact in JavaScript
    private const long NextEpoch = 1_763_840_000_398_112;
    private const string EpochChangeReason = "the room's message stream was reset (now epoch 1763840000398112): messages after 43 of the previous epoch cannot be recovered";

    private const long PassExpiresAtMs = 1_763_840_600_000;
    private const string Pass = "12.4503599627370497.1763840600.Zm9yLXRoZS1zZGstZml4dHVyZXMtb25seS0wMTIzNDU2Nzg";

    private static readonly ActivityContext SendContext = new(
        ActivityTraceId.CreateFromString("4bf92f3577b34da6a3ce929d0e0e4736"), ActivitySpanId.CreateFromString("00f067aa0ba902b7"), ActivityTraceFlags.Recorded);

    [Fact]
    public void The_checked_in_SDK_fixtures_are_what_this_codec_produces()
    {
        var path = Path.Combine(RepoRoot(), "web", "sdk", "test", "fixtures", "frames.json");
        var generated = Generate();
        var existing = File.Exists(path) ? File.ReadAllText(path) : null;
        if (existing != generated)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, generated);
        }

        Assert.True(existing == generated, $"{path} was out of date and has been rewritten; commit it (the SDK's codec tests read it).");
    }

    private static string Generate()
    {
        var frames = new JsonArray
        {
            Message("danmaku", FrameType.Danmaku, 41, 12, "amy", "hi 👋 弹幕 <img src=x onerror=alert(1)>", "#ffffff"),
            Message("gift", FrameType.Gift, 42, 15, "bo", "Rocket ×3", ""),
            Message("system", FrameType.System, 43, 0, "", "The anchor is back", ""),
            Control("heartbeat", FrameWriter.EncodeControl(FrameType.Heartbeat, Ts, Room, 0), new JsonObject { ["type"] = "heartbeat" }),
            Control("error", FrameWriter.EncodeError(ErrorCode.SlowMode, Ts, Room, "slow mode is on in this room; retry in 2.3 s.", 2300),
                new JsonObject { ["type"] = "error", ["error"] = new JsonObject { ["code"] = 12, ["reason"] = "slow_mode", ["message"] = "slow mode is on in this room; retry in 2.3 s.", ["retryAfterMs"] = 2300 } }),
            Control("resume", FrameWriter.EncodeMessage(FrameType.Resume, Ts, Epoch, Room, 40, null, null, null),
                new JsonObject { ["type"] = "resume", ["seq"] = 40, ["epoch"] = Epoch }),
            Control("resume-no-epoch-yet", FrameWriter.EncodeControl(FrameType.Resume, Ts, Room, 0), new JsonObject { ["type"] = "resume", ["seq"] = 0, ["epoch"] = 0 }),
            Control("delete", FrameWriter.EncodeControl(FrameType.Delete, Ts, Room, 41), new JsonObject { ["type"] = "delete", ["seq"] = 41 }),
            Control("notRecovered", FrameWriter.EncodeMessage(FrameType.NotRecovered, Ts, Epoch, Room, 39, null, "messages 1..39 are no longer in the room history", null),
                new JsonObject { ["type"] = "notRecovered", ["seq"] = 39, ["epoch"] = Epoch, ["reason"] = "messages 1..39 are no longer in the room history" }),
            Control("notRecovered-epoch-change", FrameWriter.EncodeMessage(FrameType.NotRecovered, Ts, NextEpoch, Room, 43, null, EpochChangeReason, null),
                new JsonObject { ["type"] = "notRecovered", ["seq"] = 43, ["epoch"] = NextEpoch, ["reason"] = EpochChangeReason }),
            Control("online", FrameWriter.EncodeControl(FrameType.OnlineCount, Ts, Room, 1834), new JsonObject { ["type"] = "online", ["viewers"] = 1834 }),
            Control("roomPass", FrameWriter.EncodeRoomPass(Ts, 12, Room, PassExpiresAtMs, Pass),
                new JsonObject { ["type"] = "roomPass", ["pass"] = Pass, ["expiresAt"] = PassExpiresAtMs, ["userId"] = 12 }),
            UserMessage("userMessage-moderation", 7, UserMessageKinds.Moderation, 42, "mod amy", Room, 600, "timed out in this room for 10 minutes: spam"),
            UserMessage("userMessage-system", 8, UserMessageKinds.System, 0, "", 0, 0, "Your gift was refunded 👍"),
            UserMessage("userMessage-newer-kind", 9, 200, 0, "", 0, 0, "a kind this SDK does not know"),
            Batch("batch-plain", 44, 46, sampledOut: 0, compressed: false),
            Batch("batch-sampled", 47, 60, sampledOut: 4, compressed: false),
            Batch("batch-zstd", 61, 180, sampledOut: 0, compressed: true),
        };
        var document = new JsonObject
        {
            ["generatedBy"] = "tests/Protocol.Unit.Tests/SdkFixtureTests.cs (src/Protocol); do not edit by hand",
            ["frames"] = frames,
            ["clientFrames"] = new JsonArray
            {
                ClientDanmaku("danmaku", "hi 👋 弹幕", "#ff0000", default),
                ClientDanmaku("danmaku-traced", "traced hello", "#ffffff", SendContext),
            },
            ["clientAcks"] = new JsonArray
            {
                new JsonObject { ["name"] = "ack", ["seq"] = 9, ["base64"] = Convert.ToBase64String(FrameWriter.EncodeAck(9)), ["json"] = """{"type":"ack","seq":9}""" },
            },
        };
        return document.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n";
    }

    private static JsonObject Message(string name, FrameType type, long seq, long userId, string userName, string content, string color)
    {
        var frame = FrameWriter.EncodeMessage(type, Ts, userId, Room, seq, userName, content, color);
        return Entry(name, frame, new JsonObject { ["type"] = "message", ["message"] = Expected(type, seq, userId, userName, content, color) });
    }

    private static JsonObject Control(string name, byte[] frame, JsonObject expected) => Entry(name, frame, expected);

    /// <summary>A message to one user; the SDK names the kind, and a kind newer than it is "unknown".</summary>
    private static JsonObject UserMessage(string name, long seq, byte kind, long fromUserId, string fromUserName, long roomId, long durationSeconds, string content) =>
        Entry(name, FrameWriter.EncodeUserMessage(seq, kind, fromUserId, fromUserName, roomId, durationSeconds, Ts, content), new JsonObject
        {
            ["type"] = "inbox",
            ["message"] = new JsonObject
            {
                ["seq"] = seq,
                ["kind"] = UserMessageKinds.Name(kind),
                ["fromUserId"] = fromUserId,
                ["fromUserName"] = fromUserName,
                ["roomId"] = roomId,
                ["durationSeconds"] = durationSeconds,
                ["createdMs"] = Ts,
                ["content"] = content,
            },
        });

    private static JsonObject Batch(string name, long firstSeq, long lastSeq, int sampledOut, bool compressed)
    {
        var payload = new ArrayBufferWriter<byte>();
        var expected = new JsonArray();
        var count = 0;
        var skipped = 0;
        for (var seq = firstSeq; seq <= lastSeq; seq++)
        {
            // Sampled batches leave out some ordinary danmaku: their seqs are gaps inside the batch's range.
            if (skipped < sampledOut && seq != lastSeq && (seq - firstSeq) % 3 == 2)
            {
                skipped++;
                continue;
            }

            var type = seq % 7 == 0 ? FrameType.Gift : seq % 11 == 0 ? FrameType.System : FrameType.Danmaku;
            var userId = type == FrameType.System ? 0 : 1000 + seq % 13;
            var user = type == FrameType.System ? "" : "viewer" + (seq % 13).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var content = type == FrameType.Gift ? "Rose ×" + (seq % 5 + 1).ToString(System.Globalization.CultureInfo.InvariantCulture) : "message " + seq.ToString(System.Globalization.CultureInfo.InvariantCulture) + " again and again";
            var color = type == FrameType.Danmaku ? "#ff" + (seq % 100).ToString("D2", System.Globalization.CultureInfo.InvariantCulture) + "00" : "";
            FrameWriter.WriteMessage(payload, type, Ts + seq, userId, Room, seq, user, content, color);
            expected.Add(Expected(type, seq, userId, user, content, color, Ts + seq));
            count++;
        }

        using var encoder = new BatchEncoder(compressionThreshold: compressed ? 1024 : int.MaxValue);
        var encoded = encoder.Encode(Room, Ts, firstSeq, lastSeq, count, sampledOut, payload.WrittenSpan);
        var frame = compressed ? encoded.CompressedFrame ?? throw new InvalidOperationException("the batch did not compress") : encoded.Frame;
        var entry = Entry(name, frame, new JsonObject
        {
            ["type"] = "batch",
            ["roomId"] = Room,
            ["firstSeq"] = firstSeq,
            ["lastSeq"] = lastSeq,
            ["sampledOut"] = sampledOut,
            ["messages"] = expected,
        }, json: !compressed);
        entry["compressed"] = compressed;
        return entry;
    }

    private static JsonObject Entry(string name, byte[] frame, JsonObject expected, bool json = true)
    {
        var entry = new JsonObject
        {
            ["name"] = name,
            ["base64"] = Convert.ToBase64String(frame),
            ["expected"] = expected,
        };
        if (json && JsonFrames.ConvertToArray(frame) is { } text)
        {
            entry["json"] = Encoding.UTF8.GetString(text);
        }

        return entry;
    }

    [Fact]
    public void The_client_frames_of_the_fixtures_are_read_by_the_Edge_with_their_trace_context()
    {
        var clientFrames = JsonNode.Parse(Generate())!["clientFrames"]!.AsArray();
        Assert.Equal(2, clientFrames.Count);
        foreach (var entry in clientFrames)
        {
            var traceparent = (string?)entry!["traceparent"];
            Assert.Equal(DecodeStatus.Ok, FrameReader.TryReadSingleMessage(Convert.FromBase64String((string)entry["base64"]!), out var frame));
            Assert.Equal((string)entry["content"]!, Encoding.UTF8.GetString(frame.Content));
            var expected = traceparent is null ? default : SendContext;
            var read = frame.ParentContext;
            Assert.Equal((expected.TraceId, expected.SpanId, expected.TraceFlags), (read.TraceId, read.SpanId, read.TraceFlags));

            Assert.Equal(DecodeStatus.Ok, JsonFrames.TryParseClient(Encoding.UTF8.GetBytes((string)entry["json"]!), out var json));
            Assert.Equal((FrameType.Danmaku, (string)entry["content"]!, (string)entry["color"]!, traceparent), (json.Type, json.Content, json.Color, json.TraceParent));
        }
    }

    /// <summary>A danmaku as a client sends it, in both forms; traced when <paramref name="trace"/> is not default.</summary>
    private static JsonObject ClientDanmaku(string name, string content, string color, ActivityContext trace)
    {
        var traced = trace != default;
        var frame = traced
            ? FrameWriter.EncodeTracedMessage(FrameType.Danmaku, 0, 0, content, color, trace)
            : FrameWriter.EncodeMessage(FrameType.Danmaku, 0, 0, 0, 0, null, content, color);
        var json = new JsonObject { ["type"] = "danmaku", ["content"] = content, ["color"] = color };
        var entry = new JsonObject { ["name"] = name, ["content"] = content, ["color"] = color };
        if (traced)
        {
            var traceparent = $"00-{trace.TraceId.ToHexString()}-{trace.SpanId.ToHexString()}-01";
            json["traceparent"] = traceparent;
            entry["traceparent"] = traceparent;
        }

        entry["base64"] = Convert.ToBase64String(frame);
        entry["json"] = json.ToJsonString();
        return entry;
    }

    private static JsonObject Expected(FrameType type, long seq, long userId, string userName, string content, string color, long ts = Ts) => new()
    {
        ["kind"] = type switch { FrameType.Gift => "gift", FrameType.System => "system", _ => "danmaku" },
        ["seq"] = seq,
        ["roomId"] = Room,
        ["timestampMs"] = ts,
        ["userId"] = userId,
        ["userName"] = userName,
        ["content"] = content,
        ["color"] = color,
    };

    private static string RepoRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Platform.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Platform.sln not found above " + AppContext.BaseDirectory);
    }
}
