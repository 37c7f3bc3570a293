using System.Text;
using Live.Fuzz;
using Live.Fuzz.AccessTokens;

// Byte 0 picks where the client put the token (Authorization header, the WebSocket route's access_token query
// parameter, or its Sec-WebSocket-Protocol entry), the rest is the token. It goes through the Proxy's JWT bearer
// authentication exactly as configured (AuthExtensions: its OnMessageReceived, the key lookup by kid with the
// refresh for unknown kids, RS256 validation) and, when refused, its challenge (the 401 and its description).
// The documented rejection is a failed AuthenticateResult with IdentityModel's refusal (a SecurityTokenException, or
// SecurityTokenArgumentException for a malformed token); an
// exception out of authentication (a 500 in production) or any other failure is a crash.
ProxyAuthentication? proxy = null;
return FuzzHost.Run(args, input => (proxy ??= ProxyAuthentication.Create()).Check(input), TokenSeeds.All);
