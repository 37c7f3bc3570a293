using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Live.ServiceDefaults.Identity;

/// <summary>Why a room pass was not accepted; <see cref="Valid"/> when it was.</summary>
public enum RoomPassCheck
{
    Valid,
    Missing,
    Malformed,
    BadSignature,
    WrongUser,
    WrongRoom,
    Expired,
}

/// <summary>
/// A room pass: "&lt;user&gt;.&lt;room&gt;.&lt;expires, Unix s&gt;.&lt;base64url HMAC-SHA256 over the first three&gt;", keyed with
/// RoomPass:Key. The Edge hands one to each signed-in connection of a room; CommerceService takes it as proof that
/// the buyer is watching the sale's room, checked in memory (no call to the Edge or RoomService per purchase).
/// </summary>
public static class RoomPass
{
    /// <summary>Longer than any pass this class makes (three 19-digit numbers, a 43-character MAC, three dots).</summary>
    public const int MaxLength = 128;

    private const int MacBytes = 32;

    public static string Create(byte[] key, long userId, long roomId, long expiresUnixSeconds)
    {
        var claims = string.Create(CultureInfo.InvariantCulture, $"{userId}.{roomId}.{expiresUnixSeconds}");
        return claims + "." + Base64Url.EncodeToString(Mac(key, claims));
    }

    /// <summary>Checks the signature first (in constant time), then that it names this buyer and room and has not expired.</summary>
    public static RoomPassCheck Verify(byte[] key, string? pass, long userId, long roomId, long nowUnixSeconds)
    {
        if (string.IsNullOrEmpty(pass))
        {
            return RoomPassCheck.Missing;
        }

        var macDot = pass.LastIndexOf('.');
        if (pass.Length > MaxLength || macDot <= 0)
        {
            return RoomPassCheck.Malformed;
        }

        var claims = pass[..macDot];
        var parts = claims.Split('.');
        if (parts.Length != 3
            || !long.TryParse(parts[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var passUser)
            || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var passRoom)
            || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var expires))
        {
            return RoomPassCheck.Malformed;
        }

        Span<byte> presented = stackalloc byte[MacBytes + 3];
        if (!Base64Url.TryDecodeFromChars(pass.AsSpan(macDot + 1), presented, out var written) || written != MacBytes)
        {
            return RoomPassCheck.Malformed;
        }

        if (!CryptographicOperations.FixedTimeEquals(Mac(key, claims), presented[..MacBytes]))
        {
            return RoomPassCheck.BadSignature;
        }

        return passUser != userId ? RoomPassCheck.WrongUser
            : passRoom != roomId ? RoomPassCheck.WrongRoom
            : expires <= nowUnixSeconds ? RoomPassCheck.Expired
            : RoomPassCheck.Valid;
    }

    private static byte[] Mac(byte[] key, string claims) => HMACSHA256.HashData(key, Encoding.ASCII.GetBytes(claims));
}
