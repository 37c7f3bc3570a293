using System.Buffers;
using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using Grpc.Core;
using Live.Protocol;
using Live.Realtime.Tests;
using Live.ServiceDefaults.Identity;
using Live.V1;

namespace Live.Commerce.Tests;

/// <summary>Only viewers in the sale's room buy for themselves: the room pass from the Edge, checked by CommerceService.</summary>
[Collection(CommerceCollection.Name)]
public sealed class RoomPassTests(CommerceEnvironment env)
{
    private const string PurchasePath = "/live.v1.CommerceService/Purchase";

    [Fact]
    public async Task A_viewer_connected_to_the_Edge_gets_a_pass_that_CommerceService_accepts()
    {
        var sale = await env.OpenSaleAsync(anchorUserId: 6_100, stock: 5, perUserLimit: 1);
        const long viewer = 6_101;

        var (pass, userId, roomId, expiresAtMs) = await ReceivePassAsync(sale.RoomId, viewer);

        Assert.Equal(viewer, userId);
        Assert.Equal(sale.RoomId, roomId);
        var expiresIn = DateTimeOffset.FromUnixTimeMilliseconds(expiresAtMs) - DateTimeOffset.UtcNow;
        Assert.InRange(expiresIn, TimeSpan.FromMinutes(9), TimeSpan.FromMinutes(10.1));
        Assert.StartsWith(string.Create(CultureInfo.InvariantCulture, $"{viewer}.{sale.RoomId}."), pass);
        var bought = await PurchaseAsUserAsync(viewer, sale.Id, pass, "with-pass");
        Assert.False(string.IsNullOrEmpty(bought.OrderId));
    }

    [Fact]
    public async Task A_pass_for_another_room_another_user_expired_tampered_or_missing_is_refused_before_anything_is_reserved()
    {
        var sale = await env.OpenSaleAsync(anchorUserId: 6_200, stock: 5, perUserLimit: 5);
        const long buyer = 6_201;
        var later = DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeSeconds();
        var good = RoomPass.Create(CommerceEnvironment.RoomPassKey, buyer, sale.RoomId, later);
        var tampered = good[..^2] + (good[^2] == 'A' ? "BB" : "AA");
        var cases = new (string Name, string Pass, string Reason)[]
        {
            ("another room", RoomPass.Create(CommerceEnvironment.RoomPassKey, buyer, sale.RoomId + 1, later), "for another room"),
            ("another user", RoomPass.Create(CommerceEnvironment.RoomPassKey, buyer + 1, sale.RoomId, later), "another user's"),
            ("expired", RoomPass.Create(CommerceEnvironment.RoomPassKey, buyer, sale.RoomId, DateTimeOffset.UtcNow.AddSeconds(-1).ToUnixTimeSeconds()), "expired"),
            ("another key", RoomPass.Create(Encoding.ASCII.GetBytes("some-other-key-that-is-32-bytes-long!!"), buyer, sale.RoomId, later), "not valid"),
            ("tampered", tampered, "not valid"),
            ("claims changed", good.Replace(string.Create(CultureInfo.InvariantCulture, $"{buyer}."), string.Create(CultureInfo.InvariantCulture, $"{buyer + 1}.")), "not valid"),
            ("missing", "", "missing"),
        };

        foreach (var (name, pass, reason) in cases)
        {
            var refused = await Assert.ThrowsAsync<RpcException>(() => PurchaseAsUserAsync(buyer, sale.Id, pass, "refused"));
            Assert.True(refused.StatusCode == StatusCode.PermissionDenied, $"{name}: {refused.Status}");
            Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"join room {sale.RoomId} to buy"), refused.Status.Detail);
            Assert.Contains(reason, refused.Status.Detail);
        }

        // Nothing was reserved by the refusals: the good pass buys all 5 units.
        var bought = await env.Client.PurchaseAsync(new PurchaseRequest { SaleId = sale.Id, Quantity = 5, IdempotencyKey = "good", RoomPass = good },
            Headers(buyer, PurchasePath));
        Assert.Equal(0, bought.RemainingStock);
    }

    [Fact]
    public async Task Admins_and_internal_callers_buying_for_a_named_buyer_need_no_pass_but_admins_buying_for_themselves_do()
    {
        var sale = await env.OpenSaleAsync(anchorUserId: 6_300, stock: 5, perUserLimit: 1);
        var internalCall = await env.Client.PurchaseAsync(new PurchaseRequest { SaleId = sale.Id, Quantity = 1, IdempotencyKey = "internal", BuyerUserId = 6_301 });
        Assert.Equal(4, internalCall.RemainingStock);
        var forOther = await env.Client.PurchaseAsync(new PurchaseRequest { SaleId = sale.Id, Quantity = 1, IdempotencyKey = "admin", BuyerUserId = 6_302 },
            Headers(6_399, PurchasePath, "viewer,admin"));
        Assert.Equal(3, forOther.RemainingStock);
        var forSelf = await Assert.ThrowsAsync<RpcException>(() => env.Client.PurchaseAsync(
            new PurchaseRequest { SaleId = sale.Id, Quantity = 1, IdempotencyKey = "admin-self" }, Headers(6_399, PurchasePath, "viewer,admin")).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, forSelf.StatusCode);
    }

    private Task<PurchaseResponse> PurchaseAsUserAsync(long buyer, long saleId, string pass, string key) =>
        env.Client.PurchaseAsync(new PurchaseRequest { SaleId = saleId, Quantity = 1, IdempotencyKey = key, RoomPass = pass }, Headers(buyer, PurchasePath)).ResponseAsync;

    /// <summary>Connects to the suite's Edge as <paramref name="userId"/> (signed as the Proxy signs) and reads until the room pass frame.</summary>
    private async Task<(string Pass, long UserId, long RoomId, long ExpiresAtMs)> ReceivePassAsync(long roomId, long userId)
    {
        using var socket = new ClientWebSocket();
        foreach (var header in Headers(userId, "/ws"))
        {
            socket.Options.SetRequestHeader(header.Key, header.Value);
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var edge = env.Cluster.Edges[0];
        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{edge.HttpAddress.Port}/ws?room={roomId}"), timeout.Token);
        var buffer = new byte[64 * 1024];
        var sawResume = false;
        while (true)
        {
            var received = await socket.ReceiveAsync(buffer, timeout.Token);
            var bytes = buffer.AsSpan(0, received.Count);
            Assert.Equal(DecodeStatus.Ok, FrameReader.TryReadHeader(bytes, out var type, out _));
            sawResume |= type == FrameType.Resume;
            if (type != FrameType.RoomPass)
            {
                continue;
            }

            Assert.True(sawResume, "the room pass comes once the connection is live, after the resume frame");
            Assert.Equal(DecodeStatus.Ok, FrameReader.TryReadSingleMessage(bytes, out var frame));
            var pass = (Encoding.UTF8.GetString(frame.Content), frame.UserId, frame.RoomId, frame.Seq);
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
            return pass;
        }
    }

    /// <summary>The identity headers the Proxy adds for a signed-in user, with their proof over <paramref name="path"/>.</summary>
    private static Metadata Headers(long userId, string path, string roles = "viewer")
    {
        var id = userId.ToString(CultureInfo.InvariantCulture);
        var name = "buyer" + id;
        var proof = ProxyIdentityProof.Create(Encoding.UTF8.GetBytes(RealtimeCluster.ProxySecret), DateTimeOffset.UtcNow.ToUnixTimeSeconds(), path, id, name, roles, "1");
        return new Metadata
        {
            { IdentityHeaders.UserId, id },
            { IdentityHeaders.UserName, name },
            { IdentityHeaders.UserRoles, roles },
            { IdentityHeaders.UserLevel, "1" },
            { IdentityHeaders.Proof, proof },
        };
    }
}
