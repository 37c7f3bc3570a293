using System.Globalization;
using Live.Protocol;
using Live.ServiceDefaults.Identity;

namespace Live.Realtime.Tests;

/// <summary>
/// The Edge's room pass frames (docs/protocol.md, "Room passes"): every signed-in connection gets one right after
/// its resume frame and a fresh one at half of the pass's lifetime; guests get none.
/// </summary>
[Collection(RealtimeCollection.Name)]
public sealed class RoomPassFrameTests(RealtimeFixture fixture)
{
    private static readonly byte[] Key = System.Text.Encoding.ASCII.GetBytes("realtime-tests-room-pass-key-0123456789");
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    [Theory]
    [InlineData("")]
    [InlineData("format=json")]
    public async Task A_signed_in_viewer_gets_a_pass_after_the_resume_frame_and_a_fresh_one_at_half_its_lifetime(string format)
    {
        await using var edge = await StartEdgeAsync(lifetimeSeconds: 2);
        var room = await fixture.CreateLiveRoomAsync();
        await using var viewer = await RoomClient.ConnectAsync(fixture.WebSocketUri(edge, room.Id, format == "" ? null : format), userId: 8_801);

        var resume = await viewer.WaitForAsync(e => e.Type is FrameType.Resume or FrameType.RoomPass, Patience);
        Assert.Equal(FrameType.Resume, resume.Type);
        var first = await viewer.WaitForAsync(e => e.Type == FrameType.RoomPass, Patience);
        var second = await viewer.WaitForAsync(e => e.Type == FrameType.RoomPass, Patience);

        foreach (var pass in new[] { first, second })
        {
            Assert.Equal(8_801, pass.UserId);
            var nowSeconds = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            Assert.Equal(RoomPassCheck.Valid, RoomPass.Verify(Key, pass.Content, 8_801, room.Id, nowSeconds - 1));
            Assert.Equal(pass.Seq / 1000, long.Parse(pass.Content.Split('.')[2], CultureInfo.InvariantCulture));
        }

        Assert.NotEqual(first.Content, second.Content);
        Assert.InRange(second.ReceivedAtMs - first.ReceivedAtMs, 700, 2_500);
    }

    [Fact]
    public async Task A_guest_gets_no_pass()
    {
        await using var edge = await StartEdgeAsync(lifetimeSeconds: 2);
        var room = await fixture.CreateLiveRoomAsync();
        await using var guest = await RoomClient.ConnectAsync(fixture.WebSocketUri(edge, room.Id));

        await guest.WaitForAsync(e => e.Type == FrameType.Resume, Patience);
        var after = await guest.DrainAsync(TimeSpan.FromSeconds(2.5));

        Assert.DoesNotContain(after, e => e.Type == FrameType.RoomPass);
    }

    private Task<Live.Testing.TestHost> StartEdgeAsync(int lifetimeSeconds) =>
        fixture.StartEdgeAsync(fixture.MessagesA, new Dictionary<string, string?>
        {
            ["RoomPass:Key"] = Convert.ToBase64String(Key),
            ["RoomPass:LifetimeSeconds"] = lifetimeSeconds.ToString(CultureInfo.InvariantCulture),
        });
}
