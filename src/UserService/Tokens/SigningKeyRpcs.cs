using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Live.ServiceDefaults.Grpc;
using Live.ServiceDefaults.Identity;
using Live.V1;

namespace Live.UserService.Tokens;

/// <summary>Admin calls on the keys that sign access tokens: rotate, retire, list.</summary>
public sealed class SigningKeyRpcs(SigningKeyRing signingKeys)
{
    public async Task<SigningKey> RotateAsync(ServerCallContext context)
    {
        context.RequirePrivileged();
        var record = await signingKeys.RotateAsync(context.CancellationToken);
        return ToContract(record, signing: true);
    }

    public async Task<SigningKey> RetireAsync(RetireSigningKeyRequest request, ServerCallContext context)
    {
        context.RequirePrivileged();
        if (string.IsNullOrWhiteSpace(request.Kid) || request.Kid.Length > 32)
        {
            RpcErrors.InvalidArgument("kid is required (at most 32 characters).");
        }

        var record = await signingKeys.RetireAsync(request.Kid, context.CancellationToken);
        return ToContract(record, signing: false);
    }

    public async Task<ListSigningKeysResponse> ListAsync(ServerCallContext context)
    {
        context.RequirePrivileged();
        var (keys, signer) = await signingKeys.ListAsync(context.CancellationToken);
        var response = new ListSigningKeysResponse();
        foreach (var key in keys)
        {
            response.Keys.Add(ToContract(key, key.Kid == signer));
        }

        return response;
    }

    private static SigningKey ToContract(SigningKeyRecord record, bool signing)
    {
        var key = new SigningKey { Kid = record.Kid, CreatedAt = Timestamp.FromDateTime(record.CreatedAt), Signing = signing };
        if (record.RetiredAt is { } retired)
        {
            key.RetiredAt = Timestamp.FromDateTime(retired);
        }

        return key;
    }
}
