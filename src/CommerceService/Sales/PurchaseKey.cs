using Live.ServiceDefaults.Grpc;

namespace Live.CommerceService.Sales;

public static class PurchaseKey
{
    public const int MaxLength = 64;

    /// <summary>1..64 characters of [A-Za-z0-9_.:-]: safe in logs and as part of a Redis hash field.</summary>
    public static string Require(string key, string field)
    {
        if (key.Length is 0 or > MaxLength)
        {
            RpcErrors.InvalidArgument($"{field} must be 1..{MaxLength} characters; got {key.Length}.");
        }

        foreach (var c in key)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or ':' or '-'))
            {
                RpcErrors.InvalidArgument($"{field} may contain only letters, digits and _ . : -");
            }
        }

        return key;
    }
}
