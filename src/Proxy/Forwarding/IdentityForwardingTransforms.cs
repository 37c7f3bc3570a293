using System.Globalization;
using System.Security.Claims;
using System.Text;
using Live.Proxy.Auth;
using Live.ServiceDefaults.Hosting;
using Live.ServiceDefaults.Identity;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Model;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Live.Proxy.Forwarding;

/// <summary>
/// On every proxied request: the verified caller goes to the backend as x-user-* headers with an HMAC proof
/// (anonymous callers get a proof with empty identity, so the backend can tell "through the Proxy, signed
/// out" from "internal"); the client's token is not forwarded. On every response: x-served-version names the
/// version that answered, taken from the backend when it says, else from the destination's metadata.
/// </summary>
public sealed class IdentityForwardingTransforms(IOptions<ProxyIdentityOptions> identity, TimeProvider time) : ITransformProvider
{
    public const string VersionMetadata = "version";

    private readonly byte[] secret = Encoding.UTF8.GetBytes(identity.Value.ProxySecret ?? string.Empty);

    public void ValidateRoute(TransformRouteValidationContext context)
    {
    }

    public void ValidateCluster(TransformClusterValidationContext context)
    {
    }

    public void Apply(TransformBuilderContext context)
    {
        context.AddQueryRemoveKey(AccessTokenReader.QueryParameter);
        context.AddRequestTransform(transform =>
        {
            var request = transform.HttpContext.Request;
            var headers = transform.ProxyRequest.Headers;
            headers.Remove("Authorization");
            if (AccessTokenReader.IsWebSocketRoute(request) && request.Headers.SecWebSocketProtocol.Count > 0)
            {
                headers.Remove("Sec-WebSocket-Protocol");
                if (AccessTokenReader.WithoutToken(request.Headers.SecWebSocketProtocol) is { } protocols)
                {
                    headers.TryAddWithoutValidation("Sec-WebSocket-Protocol", protocols);
                }
            }

            AddIdentity(headers, transform.HttpContext.User, request.Path.Value ?? string.Empty);
            return ValueTask.CompletedTask;
        });
        context.AddResponseTransform(transform =>
        {
            var response = transform.HttpContext.Response;
            if (!response.Headers.ContainsKey(ServedVersionExtensions.Header)
                && transform.HttpContext.Features.Get<Yarp.ReverseProxy.Model.IReverseProxyFeature>()?.ProxiedDestination is { } destination)
            {
                response.Headers[ServedVersionExtensions.Header] = VersionOf(destination);
            }

            return ValueTask.CompletedTask;
        });
    }

    public static string VersionOf(DestinationState destination) =>
        destination.Model.Config.Metadata?.TryGetValue(VersionMetadata, out var version) == true ? version : "v1";

    private void AddIdentity(System.Net.Http.Headers.HttpRequestHeaders headers, ClaimsPrincipal user, string path)
    {
        var userId = string.Empty;
        var name = string.Empty;
        var roles = string.Empty;
        var level = string.Empty;
        if (user.Identity?.IsAuthenticated == true && user.FindFirst("sub")?.Value is { Length: > 0 } sub)
        {
            userId = sub;
            name = Uri.EscapeDataString(user.FindFirst("name")?.Value ?? string.Empty);
            roles = string.Join(',', user.FindAll("roles").Select(c => c.Value));
            level = user.FindFirst("level")?.Value ?? "0";
            headers.TryAddWithoutValidation(IdentityHeaders.UserId, userId);
            headers.TryAddWithoutValidation(IdentityHeaders.UserName, name);
            headers.TryAddWithoutValidation(IdentityHeaders.UserRoles, roles);
            headers.TryAddWithoutValidation(IdentityHeaders.UserLevel, level);
        }

        var proof = ProxyIdentityProof.Create(secret, time.GetUtcNow().ToUnixTimeSeconds(), path, userId, name, roles, level);
        headers.TryAddWithoutValidation(IdentityHeaders.Proof, proof);
    }
}
