using System.Buffers.Text;
using System.Text.Unicode;

namespace Live.Tools.LoadGen.Measurement;

/// <summary>
/// The content of a load-generator danmaku: <c>lg &lt;send time µs&gt; &lt;message number&gt; </c> padded with
/// letters to the requested size. The send time gives the end-to-end latency (sender to viewer, same clock);
/// the number makes every message distinct, so duplicate filters do not reject them.
/// </summary>
public static class LoadContent
{
    private static ReadOnlySpan<byte> Prefix => "lg "u8;

    /// <returns>Bytes written; at least the prefix and numbers, padded up to <paramref name="size"/> when it is larger.</returns>
    public static int Write(Span<byte> destination, long sendMicros, long number, int size)
    {
        if (!Utf8.TryWrite(destination, $"lg {sendMicros} {number} ", out var written))
        {
            throw new ArgumentException("The destination is too small for a load message.", nameof(destination));
        }

        var padded = Math.Min(Math.Max(size, written), destination.Length);
        for (var i = written; i < padded; i++)
        {
            destination[i] = (byte)('a' + i % 26);
        }

        return padded;
    }

    public static string Create(long sendMicros, long number, int size)
    {
        Span<byte> buffer = stackalloc byte[Math.Max(size, 64)];
        return System.Text.Encoding.UTF8.GetString(buffer[..Write(buffer, sendMicros, number, size)]);
    }

    /// <summary>The send time of a load-generator message; false for any other content.</summary>
    public static bool TryReadSendMicros(ReadOnlySpan<byte> content, out long sendMicros)
    {
        sendMicros = 0;
        return content.StartsWith(Prefix)
            && Utf8Parser.TryParse(content[Prefix.Length..], out sendMicros, out var consumed)
            && consumed > 0;
    }

    public static bool TryReadSendMicros(string content, out long sendMicros)
    {
        Span<byte> head = stackalloc byte[32];
        var length = Math.Min(content.Length, head.Length);
        for (var i = 0; i < length; i++)
        {
            // The prefix and digits are ASCII; anything else simply fails to parse.
            head[i] = content[i] < 128 ? (byte)content[i] : (byte)'?';
        }

        return TryReadSendMicros(head[..length], out sendMicros);
    }
}
