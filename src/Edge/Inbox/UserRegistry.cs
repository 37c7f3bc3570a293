using Live.Edge.Connections;

namespace Live.Edge.Inbox;

/// <summary>
/// The signed-in users of this Edge and their connections, whatever room each is in (docs/inbox.md, Delivery).
/// The first connection of a user is when the Edge announces the user on its relay stream, the last when it
/// withdraws it; <see cref="Routed"/> completes when the MessageService confirms the user's channel is subscribed.
/// </summary>
public sealed class UserRegistry
{
    private readonly Dictionary<long, UserEntry> users = [];
    private readonly Lock gate = new();

    /// <returns>True for the user's first connection here: announce the user.</returns>
    public bool Add(EdgeConnection connection, ConnectionInbox inbox)
    {
        lock (gate)
        {
            var first = !users.TryGetValue(connection.Identity.UserId, out var entry);
            if (first)
            {
                entry = new UserEntry();
                users[connection.Identity.UserId] = entry;
            }

            entry!.Inboxes = [.. entry.Inboxes, inbox];
            return first;
        }
    }

    /// <returns>True when it was the user's last connection here: withdraw the user.</returns>
    public bool Remove(EdgeConnection connection)
    {
        lock (gate)
        {
            if (!users.TryGetValue(connection.Identity.UserId, out var entry))
            {
                return false;
            }

            entry.Inboxes = Array.FindAll(entry.Inboxes, i => i.ConnectionId != connection.Id);
            if (entry.Inboxes.Length > 0)
            {
                return false;
            }

            users.Remove(connection.Identity.UserId);
            return true;
        }
    }

    /// <summary>Completes once the user's route is confirmed (now, when it already is).</summary>
    public Task Routed(long userId)
    {
        lock (gate)
        {
            return users.TryGetValue(userId, out var entry) ? entry.Routed.Task : Task.CompletedTask;
        }
    }

    /// <summary>The users announced on a relay stream that broke: their next confirmation is a new route.</summary>
    public void OnRouteLost(IEnumerable<long> userIds)
    {
        lock (gate)
        {
            foreach (var userId in userIds)
            {
                if (users.TryGetValue(userId, out var entry) && entry.Routed.Task.IsCompleted)
                {
                    entry.Routed = NewRouted();
                    entry.Rerouted = true;
                }
            }
        }
    }

    /// <summary>The MessageService subscribed the user's channel for us; after a re-announce, each connection catches up from the store.</summary>
    public void OnRouted(long userId)
    {
        ConnectionInbox[] catchUp;
        lock (gate)
        {
            if (!users.TryGetValue(userId, out var entry))
            {
                return;
            }

            entry.Routed.TrySetResult();
            catchUp = entry.Rerouted ? entry.Inboxes : [];
            entry.Rerouted = false;
        }

        foreach (var inbox in catchUp)
        {
            inbox.CatchUp();
        }
    }

    /// <summary>A live publication: the same frame for each of the user's connections here.</summary>
    public void Deliver(long userId, long seq, OutgoingFrame frame)
    {
        ConnectionInbox[] inboxes;
        lock (gate)
        {
            if (!users.TryGetValue(userId, out var entry))
            {
                return;
            }

            inboxes = entry.Inboxes;
        }

        foreach (var inbox in inboxes)
        {
            inbox.OnPublished(seq, frame);
        }
    }

    private static TaskCompletionSource NewRouted() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private sealed class UserEntry
    {
        public ConnectionInbox[] Inboxes { get; set; } = [];

        public TaskCompletionSource Routed { get; set; } = NewRouted();

        public bool Rerouted { get; set; }
    }
}
