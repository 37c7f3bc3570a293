using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Live.ServiceDefaults.Identity;

/// <summary>
/// The proof that identity headers were set by the Proxy: an HMAC-SHA256, keyed with Identity:ProxySecret,
/// over the request path, the identity header values and a timestamp. Binding the path stops a captured
/// proof being replayed against another method; the timestamp bounds how long a capture is useful.
/// </summary>
public static class ProxyIdentityProof
{
    private const string Version = "v1";

    /// <summary>The value of <see cref="IdentityHeaders.Proof"/> for these header values (empty strings when anonymous).</summary>
    public static string Create(byte[] secret, long unixSeconds, string path, string userId, string userName, string roles, string level)
    {
        var mac = Compute(secret, unixSeconds, path, userId, userName, roles, level);
        return $"{Version}.{unixSeconds.ToString(CultureInfo.InvariantCulture)}.{Base64Url(mac)}";
    }

    /// <summary>True when <paramref name="proof"/> was made with <paramref name="secret"/> for exactly these values within the allowed age.</summary>
    public static bool Verify(byte[] secret, string proof, long nowUnixSeconds, int maxAgeSeconds, string path, string userId, string userName, string roles, string level, out string failure)
    {
        var parts = proof.Split('.');
        if (parts.Length != 3 || parts[0] != Version || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var issued))
        {
            failure = "the identity proof is malformed";
            return false;
        }

        if (Math.Abs(nowUnixSeconds - issued) > maxAgeSeconds)
        {
            failure = "the identity proof has expired";
            return false;
        }

        var expected = Compute(secret, issued, path, userId, userName, roles, level);
        var presented = FromBase64Url(parts[2]);
        if (presented is null || !CryptographicOperations.FixedTimeEquals(expected, presented))
        {
            failure = "the identity proof does not match the identity headers";
            return false;
        }

        failure = string.Empty;
        return true;
    }

    private static byte[] Compute(byte[] secret, long unixSeconds, string path, string userId, string userName, string roles, string level)
    {
        // Newline-separated: none of the values can contain one (header values and paths cannot).
        var message = string.Join('\n', Version, unixSeconds.ToString(CultureInfo.InvariantCulture), path, userId, userName, roles, level);
        var bytes = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(message.Length));
        try
        {
            var length = Encoding.UTF8.GetBytes(message, bytes);
            return HMACSHA256.HashData(secret, bytes.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[]? FromBase64Url(string text)
    {
        if (text.Length > 64)
        {
            return null;
        }

        var padded = text.Replace('-', '+').Replace('_', '/');
        padded += new string('=', (4 - padded.Length % 4) % 4);
        var buffer = new byte[48];
        return Convert.TryFromBase64String(padded, buffer, out var written) ? buffer[..written] : null;
    }
}
