namespace Live.Edge.Connections;

/// <summary>
/// Where a signed-in connection's acks of user messages go (<c>Inbox/ConnectionInbox</c>). Declared here so that
/// connections do not depend on the inbox, which sends to them.
/// </summary>
public interface IUserAcks
{
    /// <summary>The client handed every user message up to <paramref name="seq"/> to the user (cumulative).</summary>
    void OnAck(long seq);
}
