using System.Net.WebSockets;
using Live.Protocol;

namespace Live.Realtime.Tests;

/// <summary>
/// A policy close must reach the client as its code even while the client is still sending: the Edge sends the
/// close frame and keeps reading (and discarding) until the client answers it, instead of dropping the TCP
/// connection with unread bytes in it, which the client sees as a reset (1006) before it reads the close frame.
/// The clients here send first and read after, as a simple client does: the close frame waits in their receive
/// buffer, where a reset would throw it away.
/// </summary>
[Collection(RealtimeCollection.Name)]
public sealed class CloseHandshakeTests(RealtimeFixture fixture)
{
    private const int Tries = 20;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task An_oversized_frame_of_some_MiB_is_closed_with_1009_every_time(int mebibytes)
    {
        var room = await fixture.CreateLiveRoomAsync();
        var oversized = new byte[mebibytes * 1024 * 1024];
        var codes = new List<int>();
        for (var i = 0; i < Tries; i++)
        {
            await using var client = await RoomClient.ConnectAsync(fixture.WebSocketUri(fixture.EdgeA, room.Id), userId: 7_100 + i, read: false);

            await IgnoreSendFailureAsync(client.SendBinaryAsync(oversized));
            client.StartReading();
            codes.Add((await client.WaitForAsync(e => e.IsClose, Patience)).CloseStatus!.Value);
        }

        Assert.All(codes, code => Assert.Equal((int)WebSocketCloseStatus.MessageTooBig, code));
    }

    [Fact]
    public async Task Malformed_frames_sent_in_a_stream_are_closed_with_4001_every_time()
    {
        var room = await fixture.CreateLiveRoomAsync();
        var junk = new byte[64 * 1024 - 1];
        Array.Fill(junk, (byte)0xEE);
        var codes = new List<int>();
        for (var i = 0; i < Tries; i++)
        {
            await using var client = await RoomClient.ConnectAsync(fixture.WebSocketUri(fixture.EdgeA, room.Id), userId: 7_200 + i, read: false);

            // More malformed frames than allowed, and more after them: the client is still sending when the close comes.
            await SendUntilFailureAsync(client, junk[..64], RealtimeFixture.MaxInvalidFrames + 1, junk);
            client.StartReading();
            codes.Add((await client.WaitForAsync(e => e.IsClose, Patience)).CloseStatus!.Value);
        }

        Assert.All(codes, code => Assert.Equal(CloseCodes.TooManyInvalidFrames, code));
    }

    private static async Task SendUntilFailureAsync(RoomClient client, byte[] malformed, int count, byte[] trailing)
    {
        try
        {
            for (var i = 0; i < count; i++)
            {
                await client.SendBinaryAsync(malformed);
            }

            for (var i = 0; i < 16; i++)
            {
                await client.SendBinaryAsync(trailing);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The close came while sending; what the client saw is asserted on the close event.
        }
    }

    private static async Task IgnoreSendFailureAsync(Task send)
    {
        try
        {
            await send;
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The close came while sending; what the client saw is asserted on the close event.
        }
    }
}
