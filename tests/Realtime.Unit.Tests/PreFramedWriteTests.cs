using System.IO.Pipelines;
using System.Net.WebSockets;
using Live.Edge.Connections;
using Live.Edge.Sockets;

namespace Live.Realtime.Unit.Tests;

/// <summary>
/// Frames made once per Edge and written straight to an upgraded connection's stream: a real client WebSocket
/// (.NET's) must read them as the messages they hold, alone and mixed with frames the server's WebSocket writes to
/// the same stream.
/// </summary>
public sealed class PreFramedWriteTests
{
    [Theory]
    [InlineData(0, false)]
    [InlineData(125, false)]
    [InlineData(126, true)]
    [InlineData(65_535, false)]
    [InlineData(65_536, true)]
    [InlineData(1_000_000, false)]
    public async Task A_client_reads_a_pre_framed_message_of_any_length_with_its_type(int length, bool text)
    {
        var payload = Payload(length, seed: length);
        using var wire = new MemoryStream(WebSocketFrames.Frame(payload, text));
        using var client = WebSocket.CreateFromStream(wire, new WebSocketCreationOptions { IsServer = false });

        var (received, type) = await ReceiveMessageAsync(client);

        Assert.Equal(text ? WebSocketMessageType.Text : WebSocketMessageType.Binary, type);
        Assert.Equal(payload, received);
    }

    [Fact]
    public async Task Pre_framed_writes_and_the_server_sockets_own_frames_on_one_stream_stay_whole_and_in_each_writers_order()
    {
        var toClient = new Pipe(new PipeOptions(pauseWriterThreshold: 64 * 1024, resumeWriterThreshold: 32 * 1024));
        var fromClient = new Pipe();
        // The client's reads are slow to start, so writes back up and complete later, while the other writer waits its turn.
        var transport = new SerializedWriteStream(new DuplexPipeStream(fromClient.Reader, toClient.Writer));
        using var server = WebSocket.CreateFromStream(transport, new WebSocketCreationOptions { IsServer = true });
        using var client = WebSocket.CreateFromStream(new DuplexPipeStream(toClient.Reader, fromClient.Writer), new WebSocketCreationOptions { IsServer = false });
        const int Each = 300;

        var preFramed = Task.Run(async () =>
        {
            for (var i = 0; i < Each; i++)
            {
                await transport.WriteAsync(WebSocketFrames.Frame(Payload(1_000 + i, seed: 1), text: false));
            }
        });
        var throughSocket = Task.Run(async () =>
        {
            for (var i = 0; i < Each; i++)
            {
                await server.SendAsync(Payload(1_000 + i, seed: 2), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
            }
        });
        await Task.Delay(50);

        var next = new Dictionary<WebSocketMessageType, int> { [WebSocketMessageType.Binary] = 0, [WebSocketMessageType.Text] = 0 };
        for (var n = 0; n < 2 * Each; n++)
        {
            var (received, type) = await ReceiveMessageAsync(client);
            var i = next[type]++;
            Assert.Equal(Payload(1_000 + i, seed: type == WebSocketMessageType.Binary ? 1 : 2), received);
        }

        await Task.WhenAll(preFramed, throughSocket);
        Assert.Equal(Each, next[WebSocketMessageType.Binary]);
        Assert.Equal(Each, next[WebSocketMessageType.Text]);
    }

    /// <summary>Letters, so the same bytes are valid UTF-8 for a text message (a client closes on invalid text).</summary>
    private static byte[] Payload(int length, int seed)
    {
        var random = new Random(seed);
        var payload = new byte[length];
        for (var i = 0; i < length; i++)
        {
            payload[i] = (byte)('a' + random.Next(26));
        }

        return payload;
    }

    private static async Task<(byte[] Message, WebSocketMessageType Type)> ReceiveMessageAsync(WebSocket client)
    {
        using var message = new MemoryStream();
        var buffer = new byte[16 * 1024];
        while (true)
        {
            var result = await client.ReceiveAsync(buffer.AsMemory(), CancellationToken.None);
            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                return (message.ToArray(), result.MessageType);
            }
        }
    }

    /// <summary>One direction read from a pipe, the other written to another, as an upgraded connection is.</summary>
    private sealed class DuplexPipeStream(PipeReader reader, PipeWriter writer) : Stream
    {
        private readonly Stream input = reader.AsStream();
        private readonly Stream output = writer.AsStream();

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => input.ReadAsync(buffer, cancellationToken);

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => output.WriteAsync(buffer, cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => input.Read(buffer, offset, count);

        public override void Write(byte[] buffer, int offset, int count) => output.Write(buffer, offset, count);

        public override void Flush() => output.Flush();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
