using Grpc.Core;
using Live.MessageService.Ingest;
using Live.Moderation.Pipeline;
using Live.Protocol;
using Live.V1;

namespace Live.Realtime.Unit.Tests;

/// <summary>The protocol's mapping tables (src/Protocol): one row per contract value, read the same everywhere.</summary>
public sealed class MappingTableTests
{
    public static TheoryData<RejectReason, ErrorCode, StatusCode, string> Refusals => new()
    {
        { RejectReason.InvalidContent, ErrorCode.InvalidContent, StatusCode.InvalidArgument, "invalid_content" },
        { RejectReason.RoomNotLive, ErrorCode.RoomNotLive, StatusCode.FailedPrecondition, "room_not_live" },
        { RejectReason.RoomNotFound, ErrorCode.RoomNotLive, StatusCode.NotFound, "room_not_found" },
        { RejectReason.Unavailable, ErrorCode.Unavailable, StatusCode.Unavailable, "unavailable" },
        { RejectReason.NotAllowed, ErrorCode.NotAllowed, StatusCode.PermissionDenied, "not_allowed" },
        { RejectReason.RateLimited, ErrorCode.RateLimited, StatusCode.ResourceExhausted, "rate_limited" },
        { RejectReason.Banned, ErrorCode.Banned, StatusCode.PermissionDenied, "banned" },
        { RejectReason.IpBanned, ErrorCode.IpBanned, StatusCode.PermissionDenied, "ip_banned" },
        { RejectReason.TimedOut, ErrorCode.TimedOut, StatusCode.PermissionDenied, "timed_out" },
        { RejectReason.SlowMode, ErrorCode.SlowMode, StatusCode.ResourceExhausted, "slow_mode" },
        { RejectReason.Duplicate, ErrorCode.Duplicate, StatusCode.ResourceExhausted, "duplicate" },
        { RejectReason.DuplicateInRoom, ErrorCode.DuplicateInRoom, StatusCode.ResourceExhausted, "duplicate_in_room" },
        { RejectReason.BlockedWord, ErrorCode.BlockedWord, StatusCode.InvalidArgument, "blocked_word" },
        { RejectReason.TooLong, ErrorCode.TooLong, StatusCode.InvalidArgument, "too_long" },
        { RejectReason.BadColour, ErrorCode.BadColour, StatusCode.InvalidArgument, "bad_colour" },
        { RejectReason.ControlChars, ErrorCode.ControlChars, StatusCode.InvalidArgument, "control_chars" },
        { RejectReason.Flooding, ErrorCode.Flooding, StatusCode.ResourceExhausted, "flooding" },
        { RejectReason.Empty, ErrorCode.Empty, StatusCode.InvalidArgument, "empty" },
        { RejectReason.WhispersOff, ErrorCode.NotAllowed, StatusCode.PermissionDenied, "whispers_off" },
        { RejectReason.UserNotFound, ErrorCode.NotAllowed, StatusCode.NotFound, "user_not_found" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void A_refusal_reads_as_its_error_frame_code_publish_status_and_name(RejectReason reason, ErrorCode code, StatusCode status, string name)
    {
        Assert.Equal(new Refusal(code, status, name), RejectReasonTable.Of(reason));
        Assert.Equal(code, RejectReasonTable.ErrorCodeOf(reason));
        Assert.Equal(status, RejectReasonTable.StatusOf(reason));
        Assert.Equal(name, RejectReasonTable.NameOf(reason));
    }

    [Fact]
    public void Every_reason_of_the_contract_has_its_own_row_and_name()
    {
        var reasons = Enum.GetValues<RejectReason>().Where(reason => reason != RejectReason.Unspecified).ToList();

        Assert.Equal(reasons.Order(), Refusals.Select(row => (RejectReason)row[0]).Order());
        Assert.Equal(reasons.Count, reasons.Select(RejectReasonTable.NameOf).Distinct().Count());
        Assert.DoesNotContain("other", reasons.Select(RejectReasonTable.NameOf));
    }

    [Fact]
    public void No_reason_or_one_this_build_does_not_know_is_an_invalid_argument_named_other()
    {
        var other = new Refusal(ErrorCode.InvalidContent, StatusCode.InvalidArgument, "other");

        Assert.Equal(other, RejectReasonTable.Of(RejectReason.Unspecified));
        Assert.Equal(other, RejectReasonTable.Of((RejectReason)999));
        Assert.Equal(other, RejectReasonTable.Of((RejectReason)(-1)));
    }

    [Fact]
    public void Moderation_names_a_refusal_as_the_table_does()
    {
        foreach (var reason in Enum.GetValues<ModerationReason>().Where(reason => reason != ModerationReason.None))
        {
            Assert.Equal(ModerationVerdict.Reject(reason).ReasonCode, RejectReasonTable.NameOf(ModerationStep.ReasonOf(reason)));
        }
    }

    [Theory]
    [InlineData(MessageKind.Danmaku, FrameType.Danmaku, "danmaku")]
    [InlineData(MessageKind.Gift, FrameType.Gift, "gift")]
    [InlineData(MessageKind.System, FrameType.System, "system")]
    public void A_message_kind_and_its_frame_type_map_both_ways(MessageKind kind, FrameType type, string name)
    {
        Assert.Equal(type, MessageKindTable.FrameTypeOf(kind));
        Assert.Equal(kind, MessageKindTable.KindOf(type));
        Assert.Equal(name, MessageKindTable.NameOf(kind));
    }

    [Fact]
    public void What_is_not_a_known_kind_or_a_message_type_travels_as_ordinary_danmaku()
    {
        Assert.Equal(FrameType.Danmaku, MessageKindTable.FrameTypeOf(MessageKind.Unspecified));
        Assert.Equal(FrameType.Danmaku, MessageKindTable.FrameTypeOf((MessageKind)99));
        Assert.Equal("danmaku", MessageKindTable.NameOf((MessageKind)99));
        foreach (var type in Enum.GetValues<FrameType>().Where(type => type is not (FrameType.Gift or FrameType.System)))
        {
            Assert.Equal(MessageKind.Danmaku, MessageKindTable.KindOf(type));
        }

        Assert.Equal(MessageKind.Danmaku, MessageKindTable.KindOf((FrameType)0xFF));
    }
}
