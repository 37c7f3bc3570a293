using System.Globalization;
using Live.CommerceService.Telemetry;
using Live.ServiceDefaults.Grpc;
using Live.ServiceDefaults.Identity;
using Microsoft.Extensions.Options;

namespace Live.CommerceService.Sales;

/// <summary>
/// Only viewers in the sale's room buy for themselves: the room pass their Edge connection got must name them,
/// the sale's room, and not be expired (docs/commerce.md, "Who may buy"). Checked in memory, before Redis.
/// </summary>
public sealed class RoomPassGate(IOptions<RoomPassOptions> options, SaleRooms rooms, CommerceMetrics metrics, TimeProvider time)
{
    private readonly byte[] key = options.Value.KeyBytes() ?? throw new InvalidOperationException("RoomPass:Key is required.");

    public async Task RequireAsync(long saleId, long buyerUserId, string? pass, CancellationToken ct)
    {
        var roomId = await rooms.RoomOfAsync(saleId, ct);
        if (roomId == 0)
        {
            metrics.Purchase("unknown_sale");
            RpcErrors.NotFound($"sale {saleId} does not exist.");
        }

        var check = RoomPass.Verify(key, pass, buyerUserId, roomId, time.GetUtcNow().ToUnixTimeSeconds());
        if (check == RoomPassCheck.Valid)
        {
            return;
        }

        metrics.Purchase("no_room_pass");
        var why = check switch
        {
            RoomPassCheck.Missing => "your room pass is missing",
            RoomPassCheck.Expired => "your room pass is expired",
            RoomPassCheck.WrongRoom => "your room pass is for another room",
            RoomPassCheck.WrongUser => "your room pass is another user's",
            _ => "your room pass is not valid",
        };
        RpcErrors.PermissionDenied(string.Create(CultureInfo.InvariantCulture,
            $"join room {roomId} to buy; {why} (the room's live connection receives one, and a new one before it expires)."));
    }
}
