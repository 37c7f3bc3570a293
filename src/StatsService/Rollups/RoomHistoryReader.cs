using Google.Protobuf.WellKnownTypes;
using Live.ServiceDefaults.Grpc;
using Live.StatsService.Data;
using Live.V1;
using Microsoft.EntityFrameworkCore;

namespace Live.StatsService.Rollups;

public sealed class RoomHistoryReader(StatsDbContext db)
{
    private static readonly TimeSpan MaxRange = TimeSpan.FromHours(24);

    public async Task<GetRoomHistoryResponse> ReadAsync(GetRoomHistoryRequest request, CancellationToken ct)
    {
        RpcErrors.RequirePositiveId(request.RoomId, "room_id");
        if (request.From is null || request.To is null)
        {
            RpcErrors.InvalidArgument("from and to are required.");
        }

        var from = request.From.ToDateTime();
        var to = request.To.ToDateTime();
        if (to <= from || to - from > MaxRange)
        {
            RpcErrors.InvalidArgument($"the range must be non-empty and at most 24 h; got {from:O} .. {to:O}.");
        }

        var rows = await db.Rollups.AsNoTracking()
            .Where(r => r.RoomId == request.RoomId && r.Minute >= from && r.Minute < to)
            .OrderBy(r => r.Minute)
            .ToListAsync(ct);
        var response = new GetRoomHistoryResponse();
        foreach (var row in rows)
        {
            response.Minutes.Add(new RoomMinute
            {
                Minute = Timestamp.FromDateTime(row.Minute),
                Messages = row.Messages,
                Gifts = row.Gifts,
                GiftValue = row.GiftValue,
                UniqueSenders = row.UniqueSenders,
                PeakViewers = row.PeakViewers,
            });
        }

        return response;
    }
}
