namespace Live.Protocol;

/// <summary>
/// WebSocket subprotocols of the room protocol. A client offers <see cref="Live"/> and, to pass its token where
/// it cannot set headers (browsers), <c>access_token.&lt;jwt&gt;</c> beside it; the server selects
/// <see cref="Live"/>, so the token is never echoed and standard clients, which require the server to select
/// one of the offered subprotocols, accept the upgrade.
/// </summary>
public static class Subprotocols
{
    public const string Live = "live.v1";
    public const string TokenPrefix = "access_token.";
}
