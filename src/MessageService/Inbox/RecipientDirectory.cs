using Grpc.Core;
using Live.ServiceDefaults.Grpc;
using Live.V1;

namespace Live.MessageService.Inbox;

/// <summary>
/// Whether a recipient exists, from UserService (GetUsers). Only SendToUser asks: a fan-out's recipients come
/// from the caller's records of real users (follows), and asking for 1,000 of them per page would double the
/// fan-out's calls for nothing.
/// </summary>
public sealed class RecipientDirectory(Live.V1.UserService.UserServiceClient users)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    public async Task<bool> ExistsAsync(long userId, CancellationToken ct)
    {
        try
        {
            var response = await users.GetUsersAsync(new GetUsersRequest { UserIds = { userId } }, deadline: DateTime.UtcNow.Add(Timeout), cancellationToken: ct);
            return response.Users.Count > 0;
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded)
        {
            RpcErrors.Unavailable("UserService could not say whether the recipient exists; retry later.");
            return false;
        }
    }
}
