using System.Net;
using Microsoft.AspNetCore.Http;

namespace Live.ServiceDefaults.Identity;

/// <summary>The client's address behind the Proxy, for address bans.</summary>
public static class ProxyClientAddress
{
    /// <summary>
    /// For requests whose identity the Proxy signed only: such a request came through the Proxy, which sets
    /// X-Forwarded-For to its own TCP peer and drops whatever the client sent (docs/identity.md), while this
    /// service's peer is the Proxy. Falls back to the peer when the header is missing.
    /// </summary>
    public static IPAddress? Of(HttpRequest request)
    {
        var forwarded = request.Headers["X-Forwarded-For"].ToString();
        var last = forwarded.AsSpan(forwarded.LastIndexOf(',') + 1).Trim();
        var address = IPAddress.TryParse(last, out var parsed) ? parsed : request.HttpContext.Connection.RemoteIpAddress;
        return address is { IsIPv4MappedToIPv6: true } ? address.MapToIPv4() : address;
    }
}
