using Google.Protobuf.WellKnownTypes;
using Live.V1;

namespace Live.RoomService.Rooms;

internal static class RoomMapping
{
    public static Room ToContract(this RoomRecord record)
    {
        var room = new Room
        {
            Id = record.Id,
            AnchorUserId = record.AnchorUserId,
            Title = record.Title,
            CoverUrl = record.CoverUrl,
            Category = record.Category,
            Status = record.Status.ToContract(),
            CreatedAt = Timestamp.FromDateTime(record.CreatedAt),
            PeakViewers = record.PeakViewers,
            Version = record.Version,
        };
        if (record.StartedAt is { } started)
        {
            room.StartedAt = Timestamp.FromDateTime(started);
        }

        if (record.EndedAt is { } ended)
        {
            room.EndedAt = Timestamp.FromDateTime(ended);
        }

        return room;
    }

    public static RoomStatus ToContract(this RoomState state) => state switch
    {
        RoomState.Idle => RoomStatus.Idle,
        RoomState.Live => RoomStatus.Live,
        RoomState.Ended => RoomStatus.Ended,
        _ => RoomStatus.Unspecified,
    };

    public static RoomState? ToState(this RoomStatus status) => status switch
    {
        RoomStatus.Idle => RoomState.Idle,
        RoomStatus.Live => RoomState.Live,
        RoomStatus.Ended => RoomState.Ended,
        _ => null,
    };

    public static string Describe(this RoomState state) => state switch
    {
        RoomState.Idle => "idle",
        RoomState.Live => "live",
        RoomState.Ended => "ended",
        _ => "unknown",
    };
}
