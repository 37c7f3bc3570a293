using System.Text;
using System.Text.Json;

namespace Live.Protocol.Unit.Tests;

public sealed class JsonFrameTests
{
    [Fact]
    public void A_batch_converts_to_one_json_object_with_its_messages()
    {
        var payload = BatchFrameTests.Payload(7, 8, seq => seq == 8 ? FrameType.Gift : FrameType.Danmaku, "你好 \"quoted\"");
        var frame = BatchEncoder.EncodePlain(3, 1, 7, 8, 2, 1, payload);

        var json = JsonFrames.ConvertToArray(frame)!;

        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        Assert.Equal("batch", root.GetProperty("type").GetString());
        Assert.Equal(1, root.GetProperty("sampledOut").GetInt32());
        var messages = root.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(["danmaku", "gift"], messages.Select(m => m.GetProperty("type").GetString()));
        Assert.Equal([7L, 8L], messages.Select(m => m.GetProperty("seq").GetInt64()));
        Assert.Equal("你好 \"quoted\" 7", messages[0].GetProperty("content").GetString());
        Assert.Equal("user7", messages[0].GetProperty("userName").GetString());
    }

    [Fact]
    public void Control_frames_name_their_value()
    {
        using var error = JsonDocument.Parse(JsonFrames.ConvertToArray(FrameWriter.EncodeError(ErrorCode.NotAllowed, 1, 2, "guests cannot send"))!);
        Assert.Equal("error", error.RootElement.GetProperty("type").GetString());
        Assert.Equal(5, error.RootElement.GetProperty("code").GetInt32());

        using var count = JsonDocument.Parse(JsonFrames.ConvertToArray(FrameWriter.EncodeControl(FrameType.OnlineCount, 1, 2, 321))!);
        Assert.Equal(321, count.RootElement.GetProperty("viewers").GetInt64());
    }

    [Fact]
    public void A_room_pass_names_its_expiry_user_and_pass_and_reads_back_from_binary()
    {
        var frame = FrameWriter.EncodeRoomPass(1, 42, 7, 1_763_840_600_000, "42.7.1763840600.mac");

        Assert.Equal(DecodeStatus.Ok, FrameReader.TryReadSingleMessage(frame, out var read));
        Assert.Equal(FrameType.RoomPass, read.Type);
        Assert.Equal(1_763_840_600_000, read.Seq);
        using var json = JsonDocument.Parse(JsonFrames.ConvertToArray(frame)!);
        var root = json.RootElement;
        Assert.Equal("room_pass", root.GetProperty("type").GetString());
        Assert.Equal(1_763_840_600_000, root.GetProperty("expiresAt").GetInt64());
        Assert.Equal(42, root.GetProperty("userId").GetInt64());
        Assert.Equal(7, root.GetProperty("roomId").GetInt64());
        Assert.Equal("42.7.1763840600.mac", root.GetProperty("pass").GetString());
        Assert.False(root.TryGetProperty("seq", out _));
    }

    [Fact]
    public void Resume_and_not_recovered_frames_carry_the_epoch_from_their_user_id_slot_even_when_it_is_zero()
    {
        const long Epoch = 1_763_840_000_123_456;
        using var resume = JsonDocument.Parse(JsonFrames.ConvertToArray(FrameWriter.EncodeMessage(FrameType.Resume, 1, Epoch, 2, 41, null, null, null))!);
        Assert.Equal("resume", resume.RootElement.GetProperty("type").GetString());
        Assert.Equal(41, resume.RootElement.GetProperty("seq").GetInt64());
        Assert.Equal(Epoch, resume.RootElement.GetProperty("epoch").GetInt64());
        Assert.False(resume.RootElement.TryGetProperty("userId", out _));

        using var lost = JsonDocument.Parse(JsonFrames.ConvertToArray(FrameWriter.EncodeMessage(FrameType.NotRecovered, 1, Epoch, 2, 10, null, "reset", null))!);
        Assert.Equal("not_recovered", lost.RootElement.GetProperty("type").GetString());
        Assert.Equal(10, lost.RootElement.GetProperty("seq").GetInt64());
        Assert.Equal(Epoch, lost.RootElement.GetProperty("epoch").GetInt64());

        using var noEpoch = JsonDocument.Parse(JsonFrames.ConvertToArray(FrameWriter.EncodeControl(FrameType.Resume, 1, 2, 0))!);
        Assert.Equal(0, noEpoch.RootElement.GetProperty("epoch").GetInt64());
    }

    [Fact]
    public void Error_frames_carry_the_reason_code_and_when_to_retry()
    {
        using var slow = JsonDocument.Parse(JsonFrames.ConvertToArray(FrameWriter.EncodeError(ErrorCode.SlowMode, 1, 2, "slow mode is on", retryAfterMs: 2_300))!);
        var root = slow.RootElement;
        Assert.Equal((12, "slow_mode", 2_300L, "slow mode is on"),
            (root.GetProperty("code").GetInt32(), root.GetProperty("reason").GetString(), root.GetProperty("retryAfterMs").GetInt64(), root.GetProperty("content").GetString()));
        Assert.False(root.TryGetProperty("userId", out _));

        // No retry time: no retryAfterMs.
        using var banned = JsonDocument.Parse(JsonFrames.ConvertToArray(FrameWriter.EncodeError(ErrorCode.Banned, 1, 2, "banned"))!);
        Assert.Equal("banned", banned.RootElement.GetProperty("reason").GetString());
        Assert.False(banned.RootElement.TryGetProperty("retryAfterMs", out _));
    }

    [Fact]
    public void Every_error_code_has_its_own_stable_name()
    {
        var names = Enum.GetValues<ErrorCode>().Select(ErrorCodes.Name).ToList();
        Assert.Equal(names.Count, names.Distinct().Count());
        Assert.DoesNotContain("error", names);
        Assert.Equal("bad_colour", ErrorCodes.Name(ErrorCode.BadColour));
        Assert.Equal("flooding", ErrorCodes.Name((ErrorCode)19));
    }

    [Theory]
    [InlineData("""{"type":"danmaku","content":"hi","color":"#ffffff"}""", FrameType.Danmaku, "hi", "#ffffff")]
    [InlineData("""{"content":"弹幕","type":"danmaku","extra":{"ignored":[1,2]}}""", FrameType.Danmaku, "弹幕", null)]
    [InlineData("""{"type":"heartbeat"}""", FrameType.Heartbeat, null, null)]
    public void Client_json_is_parsed(string json, FrameType type, string? content, string? color)
    {
        Assert.Equal(DecodeStatus.Ok, JsonFrames.TryParseClient(Encoding.UTF8.GetBytes(json), out var message));
        Assert.Equal(new ClientJsonMessage(type, content, color), message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("[]")]
    [InlineData("{")]
    [InlineData("""{"type":"danmaku",}""")]
    [InlineData("""{"type":"danmaku"} trailing""")]
    [InlineData("""{"type":"danmaku"}{"type":"danmaku"}""")]
    [InlineData("""{"type":"danmaku","content":"\uD800"}""")]
    [InlineData("""{"a":{"b":{"c":{"d":{"e":1}}}}}""")]
    public void Malformed_client_json_is_bad_json(string json)
    {
        Assert.Equal(DecodeStatus.BadJson, JsonFrames.TryParseClient(Encoding.UTF8.GetBytes(json), out _));
    }

    [Fact]
    public void Json_without_a_known_type_is_unknown_type()
    {
        Assert.Equal(DecodeStatus.UnknownType, JsonFrames.TryParseClient("""{"type":"launch_rockets"}"""u8, out _));
        Assert.Equal(DecodeStatus.UnknownType, JsonFrames.TryParseClient("""{"content":"no type"}"""u8, out _));
    }
}
