using System.Globalization;
using Google.Protobuf;
using Live.ServiceDefaults.Identity;

namespace Live.Edge.Identity;

/// <summary>
/// Who is on a connection. Guests have a negative id and may only watch. <paramref name="ClientIp"/> is the
/// client's address as it goes up the relay (4 or 16 bytes, empty when unknown), made once per connection.
/// </summary>
public sealed record ConnectionIdentity(long UserId, string UserName, int Level, ByteString ClientIp)
{
    public bool IsGuest => UserId < 0;
}

/// <summary>
/// The one place that decides who a connection is: the identity the Proxy forwarded and signed (checked by
/// ServiceDefaults' <see cref="ProxyIdentityVerifier"/>). A connection without identity (straight to the Edge,
/// or through the Proxy without a token) is a read-only guest; identity headers without a valid proof are refused.
/// </summary>
public sealed class IdentityResolver(ProxyIdentityVerifier verifier)
{
    private static long lastGuest;

    /// <returns>The identity, or null with a reason when the request claims an identity that cannot be verified.</returns>
    public ConnectionIdentity? Resolve(HttpRequest request, out string? error)
    {
        error = null;
        var caller = verifier.Read(request.Headers, request.Path.Value ?? string.Empty, out var failure);
        if (caller is null)
        {
            error = $"Caller identity refused: {failure}.";
            return null;
        }

        if (caller.IsUser)
        {
            var name = caller.Name.Length is > 0 and <= 64 ? caller.Name : "user" + caller.UserId.ToString(CultureInfo.InvariantCulture);
            var address = ProxyClientAddress.Of(request) is { } ip ? ByteString.CopyFrom(ip.GetAddressBytes()) : ByteString.Empty;
            return new ConnectionIdentity(caller.UserId, name, caller.Level, address);
        }

        var guest = -Interlocked.Increment(ref lastGuest);
        return new ConnectionIdentity(guest, "guest" + (-guest).ToString(CultureInfo.InvariantCulture), 0, ByteString.Empty);
    }
}
