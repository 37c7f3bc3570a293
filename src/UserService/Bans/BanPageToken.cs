using System.Buffers.Binary;
using Live.ServiceDefaults.Grpc;

namespace Live.UserService.Bans;

/// <summary>ListBans' page token: the id to continue below, as 8 big-endian bytes in unpadded base64url.</summary>
internal static class BanPageToken
{
    public static string Encode(long id)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, id);
        return Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    public static long Decode(string token)
    {
        Span<byte> bytes = stackalloc byte[9];
        var padded = token.Replace('-', '+').Replace('_', '/') + "=";
        if (token.Length != 11 || !Convert.TryFromBase64String(padded, bytes, out var written) || written != 8
            || BinaryPrimitives.ReadInt64BigEndian(bytes) <= 0)
        {
            RpcErrors.InvalidArgument("page.page_token is not a token returned by ListBans.");
        }

        return BinaryPrimitives.ReadInt64BigEndian(bytes);
    }
}
