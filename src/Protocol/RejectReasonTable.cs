using Grpc.Core;
using Live.V1;

namespace Live.Protocol;

/// <summary>
/// How one refusal reads wherever it is reported: the code of the error frame a client gets, the status of a
/// refused Publish, and the stable snake_case name (error frames' name field, Publish's `live-reason` trailer,
/// the "reason" tag of the rejection metric and the rejection log).
/// </summary>
public readonly record struct Refusal(ErrorCode ErrorCode, StatusCode Status, string Name);

/// <summary>The one table from <see cref="RejectReason"/> to its <see cref="Refusal"/>; lookups are an array index.</summary>
public static class RejectReasonTable
{
    /// <summary>For a reason this build does not know (a newer sender) and for <see cref="RejectReason.Unspecified"/>.</summary>
    private static readonly Refusal Other = new(ErrorCode.InvalidContent, StatusCode.InvalidArgument, "other");

    private static readonly Refusal[] Rows = Build(
    [
        Row(RejectReason.InvalidContent, ErrorCode.InvalidContent, StatusCode.InvalidArgument),
        Row(RejectReason.RoomNotLive, ErrorCode.RoomNotLive, StatusCode.FailedPrecondition),

        // Clients are not told whether a room never existed or just ended; Publish callers are.
        new(RejectReason.RoomNotFound, new Refusal(ErrorCode.RoomNotLive, StatusCode.NotFound, "room_not_found")),
        Row(RejectReason.Unavailable, ErrorCode.Unavailable, StatusCode.Unavailable),
        Row(RejectReason.NotAllowed, ErrorCode.NotAllowed, StatusCode.PermissionDenied),
        Row(RejectReason.RateLimited, ErrorCode.RateLimited, StatusCode.ResourceExhausted),
        Row(RejectReason.Banned, ErrorCode.Banned, StatusCode.PermissionDenied),
        Row(RejectReason.IpBanned, ErrorCode.IpBanned, StatusCode.PermissionDenied),
        Row(RejectReason.TimedOut, ErrorCode.TimedOut, StatusCode.PermissionDenied),
        Row(RejectReason.SlowMode, ErrorCode.SlowMode, StatusCode.ResourceExhausted),
        Row(RejectReason.Duplicate, ErrorCode.Duplicate, StatusCode.ResourceExhausted),
        Row(RejectReason.DuplicateInRoom, ErrorCode.DuplicateInRoom, StatusCode.ResourceExhausted),
        Row(RejectReason.BlockedWord, ErrorCode.BlockedWord, StatusCode.InvalidArgument),
        Row(RejectReason.TooLong, ErrorCode.TooLong, StatusCode.InvalidArgument),
        Row(RejectReason.BadColour, ErrorCode.BadColour, StatusCode.InvalidArgument),
        Row(RejectReason.ControlChars, ErrorCode.ControlChars, StatusCode.InvalidArgument),
        Row(RejectReason.Flooding, ErrorCode.Flooding, StatusCode.ResourceExhausted),
        Row(RejectReason.Empty, ErrorCode.Empty, StatusCode.InvalidArgument),

        // Inbox sends (InboxService) are gRPC only: no frame of their own, the closest frame code.
        new(RejectReason.WhispersOff, new Refusal(ErrorCode.NotAllowed, StatusCode.PermissionDenied, "whispers_off")),
        new(RejectReason.UserNotFound, new Refusal(ErrorCode.NotAllowed, StatusCode.NotFound, "user_not_found")),
    ]);

    public static Refusal Of(RejectReason reason) => (uint)reason < (uint)Rows.Length ? Rows[(int)reason] : Other;

    /// <summary>The code of the error frame the sender gets.</summary>
    public static ErrorCode ErrorCodeOf(RejectReason reason) => Of(reason).ErrorCode;

    /// <summary>The status a refused Publish ends with.</summary>
    public static StatusCode StatusOf(RejectReason reason) => Of(reason).Status;

    /// <summary>The stable snake_case name of the reason.</summary>
    public static string NameOf(RejectReason reason) => Of(reason).Name;

    /// <summary>A reason whose name is its error code's name (<see cref="ErrorCodes.Name"/>), as every reason but one has.</summary>
    private static KeyValuePair<RejectReason, Refusal> Row(RejectReason reason, ErrorCode code, StatusCode status) =>
        new(reason, new Refusal(code, status, ErrorCodes.Name(code)));

    private static Refusal[] Build(KeyValuePair<RejectReason, Refusal>[] rows)
    {
        var table = new Refusal[rows.Max(row => (int)row.Key) + 1];
        Array.Fill(table, Other);
        foreach (var (reason, refusal) in rows)
        {
            table[(int)reason] = refusal;
        }

        return table;
    }
}
