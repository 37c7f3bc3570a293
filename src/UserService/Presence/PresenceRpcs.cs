using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Live.ServiceDefaults.Grpc;
using Live.ServiceDefaults.Identity;
using Live.V1;

namespace Live.UserService.Presence;

/// <summary>Presence in batches: the Edges report who came and went, anyone signed in asks who is online.</summary>
public sealed class PresenceRpcs(PresenceStore presence)
{
    public async Task<SetPresenceResponse> SetAsync(SetPresenceRequest request, ServerCallContext context)
    {
        context.RequirePrivileged();
        RequireBatch(request.Changes.Count, "changes");
        var changes = new (long UserId, bool Online)[request.Changes.Count];
        for (var i = 0; i < changes.Length; i++)
        {
            RpcErrors.RequirePositiveId(request.Changes[i].UserId, $"changes[{i}].user_id");
            changes[i] = (request.Changes[i].UserId, request.Changes[i].Online);
        }

        await presence.ApplyAsync(changes);
        return new SetPresenceResponse { Applied = changes.Length, TtlSeconds = presence.TtlSeconds };
    }

    public async Task<GetPresenceResponse> GetAsync(GetPresenceRequest request, ServerCallContext context)
    {
        context.RequireSignedIn();
        RequireBatch(request.UserIds.Count, "user_ids");
        for (var i = 0; i < request.UserIds.Count; i++)
        {
            RpcErrors.RequirePositiveId(request.UserIds[i], $"user_ids[{i}]");
        }

        var seen = await presence.GetAsync(request.UserIds);
        var response = new GetPresenceResponse();
        for (var i = 0; i < seen.Length; i++)
        {
            var entry = new UserPresence { UserId = request.UserIds[i], Online = seen[i] is not null };
            if (seen[i] is { } at)
            {
                entry.LastSeenAt = Timestamp.FromDateTimeOffset(at);
            }

            response.Presence.Add(entry);
        }

        return response;
    }

    private void RequireBatch(int count, string field)
    {
        if (count > presence.MaxBatch)
        {
            RpcErrors.InvalidArgument($"{field} has {count} entries; the maximum per call is {presence.MaxBatch}.");
        }
    }
}
