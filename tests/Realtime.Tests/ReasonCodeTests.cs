using Live.Protocol;
using Live.V1;

namespace Live.Realtime.Tests;

public sealed class ReasonCodeTests
{
    [Fact]
    public void A_refusal_has_one_name_in_metrics_logs_publish_trailers_and_error_frames()
    {
        // The inbox's refusals answer SendToUser over gRPC only (a whisper is never sent over the WebSocket), so
        // they have a trailer name of their own and no error frame.
        foreach (var reason in Enum.GetValues<RejectReason>().Where(r => r is not (RejectReason.Unspecified or RejectReason.RoomNotFound
            or RejectReason.WhispersOff or RejectReason.UserNotFound)))
        {
            Assert.Equal(RejectReasonTable.NameOf(reason), ErrorCodes.Name(RejectReasonTable.ErrorCodeOf(reason)));
        }

        // Clients are not told whether a room never existed or just ended.
        Assert.Equal(ErrorCode.RoomNotLive, RejectReasonTable.ErrorCodeOf(RejectReason.RoomNotFound));
    }
}
