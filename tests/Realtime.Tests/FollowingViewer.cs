using System.Globalization;
using Live.Protocol;

namespace Live.Realtime.Tests;

/// <summary>
/// A viewer that follows a room as the SDK does: it keeps its position (seq and epoch, from resume and
/// not-recovered frames and messages) and, when its Edge closes it with 1001 (the message stream was lost) or 1013,
/// connects again with last_seq and epoch. Everything it saw, across connections, is in one log.
/// </summary>
public sealed class FollowingViewer : IAsyncDisposable
{
    private readonly Func<string?, Task<RoomClient>> connect;
    private RoomClient client;
    private long epoch;
    private long? seq;

    private FollowingViewer(Func<string?, Task<RoomClient>> connect, RoomClient client)
    {
        this.connect = connect;
        this.client = client;
    }

    /// <summary>Everything seen so far, closes included.</summary>
    public List<ClientEvent> Seen { get; } = [];

    public int Reconnects { get; private set; }

    /// <param name="connect">Opens a connection with the resume query given (null: none).</param>
    public static async Task<FollowingViewer> StartAsync(Func<string?, Task<RoomClient>> connect) => new(connect, await connect(null));

    /// <summary>What arrived from the last call on, up to and including the first event that matches.</summary>
    public async Task<List<ClientEvent>> UntilAsync(Func<ClientEvent, bool> last, TimeSpan patience)
    {
        var from = Seen.Count;
        var deadline = DateTime.UtcNow + patience;
        while (true)
        {
            var remaining = deadline - DateTime.UtcNow;
            ClientEvent next;
            try
            {
                next = await client.WaitForAsync(_ => true, remaining > TimeSpan.Zero ? remaining : TimeSpan.FromMilliseconds(1));
            }
            catch (Exception ex) when (ex is TimeoutException or InvalidOperationException)
            {
                throw new InvalidOperationException(
                    $"{ex.Message} Seen: {string.Join("; ", Seen.Select(e => $"{e.Type} {e.Seq}/{e.Epoch} {e.Content} {e.CloseStatus}"))}", ex);
            }

            Seen.Add(next);
            Follow(next);
            if (last(next))
            {
                return Seen[from..];
            }

            if (next.IsClose)
            {
                // 1001: the stream was lost; 1013: the room's stream was not back in time to start. The SDK resumes after both.
                Assert.True(next.CloseStatus is 1001 or 1013 && DateTime.UtcNow < deadline, $"closed {next.CloseStatus}: {next.Content}");
                await client.DisposeAsync();
                client = await ReconnectAsync(deadline);
            }
        }
    }

    public ValueTask DisposeAsync() => client.DisposeAsync();

    private void Follow(ClientEvent e)
    {
        if (e.Type == FrameType.Resume)
        {
            (epoch, seq) = (e.Epoch, e.Seq);
        }
        else if (e.Type == FrameType.NotRecovered)
        {
            // Another epoch is replayed from its start; within one, the gap is skipped.
            (epoch, seq) = e.Epoch != epoch ? (e.Epoch, 0) : (epoch, Math.Max(seq ?? 0, e.Seq));
        }
        else if (e.Type is FrameType.Danmaku or FrameType.Gift or FrameType.System)
        {
            seq = e.Seq;
        }
    }

    /// <summary>As the SDK resumes: last_seq and, when the stream has one, the epoch; again while the Edge is not ready.</summary>
    private async Task<RoomClient> ReconnectAsync(DateTime deadline)
    {
        Reconnects++;
        var query = seq is not { } last ? null
            : epoch == 0 ? string.Create(CultureInfo.InvariantCulture, $"last_seq={last}")
            : string.Create(CultureInfo.InvariantCulture, $"last_seq={last}&epoch={epoch}");
        while (true)
        {
            try
            {
                return await connect(query);
            }
            catch (Exception ex) when (ex is System.Net.WebSockets.WebSocketException or HttpRequestException && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }
}
