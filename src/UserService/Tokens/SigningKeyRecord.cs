namespace Live.UserService.Tokens;

/// <summary>
/// A row of `signing_keys`: an RSA key pair (PKCS#8) shared by every UserService process. The newest key
/// that is not retired signs; every key that is not retired verifies and is published in the JWKS.
/// </summary>
public sealed class SigningKeyRecord
{
    public string Kid { get; set; } = string.Empty;
    public byte[] PrivateKey { get; set; } = [];
    public DateTime CreatedAt { get; set; }
    public DateTime? RetiredAt { get; set; }
}
