using Live.V1;

namespace Live.Edge.Connections;

public enum RelaySendResult
{
    Sent,
    Disconnected,
    Full,
}

/// <summary>
/// Where a connection's client messages go up to MessageService (the relay, <c>Relay/RelayClient</c>). Declared
/// here so that connections do not depend on the relay, which delivers to them.
/// </summary>
public interface IMessageUplink
{
    /// <summary>Queues a client message on the relay stream of its room; never waits.</summary>
    RelaySendResult TrySendMessage(long roomId, RelayUp up);
}
