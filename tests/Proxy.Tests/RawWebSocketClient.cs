using System.Buffers.Binary;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace Live.Proxy.Tests;

/// <summary>
/// A WebSocket client on a raw TLS stream, for what a standard client library decides for its caller: it writes a
/// frame's bytes as they come (so a frame can still be arriving when the server closes), reads the whole time
/// as browsers and <c>ws</c> do, and answers a close frame as they do, once the frame it is writing is out. What
/// it reports is what such a client sees: the close code of a close frame that arrived, or none (1006).
/// </summary>
internal sealed class RawWebSocketClient : IAsyncDisposable
{
    private const byte OpcodeContinuation = 0x0;
    private const byte OpcodeText = 0x1;
    private const byte OpcodeClose = 0x8;

    private readonly TcpClient tcp;
    private readonly SslStream stream;
    private readonly TaskCompletionSource<int> closeReceived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task<int?> reading;
    private bool writeFailed;

    private RawWebSocketClient(TcpClient tcp, SslStream stream)
    {
        this.tcp = tcp;
        this.stream = stream;
        reading = Task.Run(ReadUntilClosedAsync);
    }

    /// <summary>Whether the server's close frame arrived (the client stops starting new frames then).</summary>
    public bool CloseReceived => closeReceived.Task.IsCompleted;



    /// <summary>Opens <paramref name="pathAndQuery"/> on the Proxy's public TLS port with the upgrade handshake.</summary>
    public static async Task<RawWebSocketClient> ConnectAsync(ProxyHost proxy, string pathAndQuery, string accessToken)
    {
        var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(proxy.PublicAddress.Host, proxy.PublicAddress.Port);
        var stream = new SslStream(tcp.GetStream());
        await stream.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = proxy.PublicAddress.Host,
            RemoteCertificateValidationCallback = (_, certificate, _, _) => proxy.Certificate.Validate(certificate),
            ApplicationProtocols = [SslApplicationProtocol.Http11],
        });
        var request = $"GET {pathAndQuery} HTTP/1.1\r\nHost: {proxy.PublicAddress.Authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            $"Sec-WebSocket-Key: {Convert.ToBase64String(RandomNumberGenerator.GetBytes(16))}\r\nSec-WebSocket-Version: 13\r\n" +
            $"Authorization: Bearer {accessToken}\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        var head = await ReadHeadAsync(stream);
        if (!head.StartsWith("HTTP/1.1 101", StringComparison.Ordinal))
        {
            tcp.Dispose();
            throw new InvalidOperationException("The upgrade was refused: " + head);
        }

        return new RawWebSocketClient(tcp, stream);
    }

    /// <summary>
    /// One text frame of <paramref name="payload"/>, its bytes written <paramref name="chunkBytes"/> at a time with
    /// <paramref name="gap"/> between, as a slow network delivers a big frame. False when the connection refused the
    /// rest (it was reset), as a client's send fails.
    /// </summary>
    public Task<bool> SendFrameAsync(ReadOnlyMemory<byte> payload, int chunkBytes, TimeSpan gap) =>
        WriteFrameAsync(OpcodeText, fin: true, payload, chunkBytes, gap);

    /// <summary>One message in several frames (a text frame, then continuations), each written at once with <paramref name="gap"/> between.</summary>
    public async Task<bool> SendFragmentsAsync(ReadOnlyMemory<byte> payload, int fragmentBytes, TimeSpan gap)
    {
        for (var offset = 0; offset < payload.Length; offset += fragmentBytes)
        {
            var length = Math.Min(fragmentBytes, payload.Length - offset);
            var opcode = offset == 0 ? OpcodeText : OpcodeContinuation;
            if (!await WriteFrameAsync(opcode, fin: offset + length == payload.Length, payload.Slice(offset, length), length, TimeSpan.Zero))
            {
                return false;
            }

            await Task.Delay(gap);
        }

        return true;
    }

    /// <summary>
    /// What the client saw in the end: the server's close code, or null when the connection ended without a
    /// close frame (a client reports 1006). A close that arrived is answered first, as standard clients do.
    /// </summary>
    public async Task<int?> CloseStatusAsync(TimeSpan patience)
    {
        if (CloseReceived && !writeFailed)
        {
            var code = new byte[2];
            BinaryPrimitives.WriteUInt16BigEndian(code, (ushort)closeReceived.Task.Result);
            await WriteFrameAsync(OpcodeClose, fin: true, code, code.Length, TimeSpan.Zero);
        }

        var finished = await Task.WhenAny(reading, Task.Delay(patience));
        return finished == reading ? await reading : closeReceived.Task.IsCompleted ? closeReceived.Task.Result : null;
    }

    public async ValueTask DisposeAsync()
    {
        tcp.Dispose();
        try
        {
            await reading;
        }
        catch (ObjectDisposedException)
        {
            // The reader was still waiting on the stream that just closed.
        }

        await stream.DisposeAsync();
    }

    private async Task<bool> WriteFrameAsync(byte opcode, bool fin, ReadOnlyMemory<byte> payload, int chunkBytes, TimeSpan gap)
    {
        if (writeFailed)
        {
            return false;
        }

        // Client frames are masked (RFC 6455 §5.3): header, mask key, then the payload XORed with it.
        var header = new byte[14];
        header[0] = (byte)((fin ? 0x80 : 0) | opcode);
        int headerLength;
        if (payload.Length < 126)
        {
            header[1] = (byte)(0x80 | payload.Length);
            headerLength = 2;
        }
        else if (payload.Length <= ushort.MaxValue)
        {
            header[1] = 0x80 | 126;
            BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(2), (ushort)payload.Length);
            headerLength = 4;
        }
        else
        {
            header[1] = 0x80 | 127;
            BinaryPrimitives.WriteUInt64BigEndian(header.AsSpan(2), (ulong)payload.Length);
            headerLength = 10;
        }

        var mask = RandomNumberGenerator.GetBytes(4);
        mask.CopyTo(header, headerLength);
        var masked = payload.ToArray();
        for (var i = 0; i < masked.Length; i++)
        {
            masked[i] ^= mask[i & 3];
        }

        try
        {
            await stream.WriteAsync(header.AsMemory(0, headerLength + 4));
            for (var offset = 0; offset < masked.Length; offset += chunkBytes)
            {
                await stream.WriteAsync(masked.AsMemory(offset, Math.Min(chunkBytes, masked.Length - offset)));
                await stream.FlushAsync();
                if (gap > TimeSpan.Zero && offset + chunkBytes < masked.Length)
                {
                    await Task.Delay(gap);
                }
            }

            return true;
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            writeFailed = true;
            return false;
        }
    }

    /// <summary>Reads server frames until the connection ends; the close code read, or null when none came.</summary>
    private async Task<int?> ReadUntilClosedAsync()
    {
        var header = new byte[10];
        try
        {
            while (true)
            {
                if (!await FillAsync(header.AsMemory(0, 2)))
                {
                    break;
                }

                var opcode = header[0] & 0x0F;
                long length = header[1] & 0x7F;
                if (length == 126)
                {
                    if (!await FillAsync(header.AsMemory(2, 2)))
                    {
                        break;
                    }

                    length = BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(2));
                }
                else if (length == 127)
                {
                    if (!await FillAsync(header.AsMemory(2, 8)))
                    {
                        break;
                    }

                    length = (long)BinaryPrimitives.ReadUInt64BigEndian(header.AsSpan(2));
                }

                var payload = new byte[length];
                if (!await FillAsync(payload))
                {
                    break;
                }

                if (opcode == OpcodeClose)
                {
                    closeReceived.TrySetResult(payload.Length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(payload) : 1005);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // Reset: what arrived before it is all a client gets.
        }

        return closeReceived.Task.IsCompleted ? closeReceived.Task.Result : null;
    }

    private async Task<bool> FillAsync(Memory<byte> buffer)
    {
        while (buffer.Length > 0)
        {
            var read = await stream.ReadAsync(buffer);
            if (read == 0)
            {
                return false;
            }

            buffer = buffer[read..];
        }

        return true;
    }

    /// <summary>The response head, byte by byte, so no frame byte after it is taken from the reader.</summary>
    private static async Task<string> ReadHeadAsync(SslStream stream)
    {
        var head = new StringBuilder();
        var one = new byte[1];
        while (head.Length < 16 * 1024 && !head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await stream.ReadAsync(one) == 0)
            {
                break;
            }

            head.Append((char)one[0]);
        }

        return head.ToString();
    }
}
