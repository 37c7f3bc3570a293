using Live.Edge.Connections;
using Live.V1;
using Microsoft.Extensions.Options;

namespace Live.Edge.Inbox;

/// <summary>Makes each signed-in connection's <see cref="ConnectionInbox"/> with the Edge's shared InboxService client and read marker.</summary>
public sealed class InboxConnector(InboxService.InboxServiceClient client, ReadMarker marker, IOptions<InboxOptions> options, ILogger<ConnectionInbox> logger)
{
    private readonly SemaphoreSlim listTurns = new(options.Value.MaxConcurrentLists);

    public ConnectionInbox Create(EdgeConnection connection) => new(connection, client, marker, listTurns, options.Value, logger);
}
