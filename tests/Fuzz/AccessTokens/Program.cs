using Live.Fuzz;
using Live.Fuzz.AccessTokens;

// Byte 0 picks where the client put the token (Authorization header, the WebSocket route's access_token query
// parameter, or its Sec-WebSocket-Protocol entry), the rest is the token. It goes through the Proxy's JWT bearer
// authentication exactly as configured (AuthExtensions: its OnMessageReceived, the key lookup by kid with the
// refresh for unknown kids, RS256 validation) and, when refused, its challenge (the 401 and its description).
// The documented rejection (docs/identity.md) is a 401 with an invalid_token challenge: JwtBearerHandler makes any
// exception of the token's validation a failed result, so a crash is an exception out of authentication (a 500 in
// production: the Proxy's own OnMessageReceived, its key lookup) or a refusal answered otherwise.
ProxyAuthentication? proxy = null;
return FuzzHost.Run(args, input => (proxy ??= ProxyAuthentication.Create()).Check(input), TokenSeeds.All);
