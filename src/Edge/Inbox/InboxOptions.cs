using System.ComponentModel.DataAnnotations;

namespace Live.Edge.Inbox;

/// <summary>Delivery of messages to one user (docs/inbox.md, Delivery), <c>Inbox:</c> section of the Edge.</summary>
public sealed class InboxOptions
{
    public const string Section = "Inbox";

    /// <summary>
    /// User messages sent to one connection and not yet acknowledged; at the bound the Edge sends no more to it
    /// until an ack (which resumes from the store) or the next connection. The store keeps them meanwhile.
    /// </summary>
    [Range(1, 10_000)]
    public int MaxUnackedPerConnection { get; set; } = 100;

    /// <summary>Messages asked of ListInbox per call (the store allows 1..200).</summary>
    [Range(1, 200)]
    public int ListPageSize { get; set; } = 50;

    /// <summary>Users with a MarkRead waiting behind one in flight; an ack beyond it is dropped (the next ack carries it, being cumulative).</summary>
    [Range(1, 10_000_000)]
    public int MaxPendingReadMarks { get; set; } = 100_000;

    /// <summary>
    /// ListInbox calls this Edge has in flight at most; the others wait their turn (each connection has at most one
    /// listing, so the wait is bounded by the connections). A restart brings every signed-in viewer back at once, and
    /// each lists its inbox: this keeps MessageService's store from taking them all together.
    /// </summary>
    [Range(1, 10_000)]
    public int MaxConcurrentLists { get; set; } = 32;

    /// <summary>Deadline of one ListInbox or MarkRead call (from when it is sent, not from its wait for a turn).</summary>
    [Range(100, 60_000)]
    public int CallTimeoutMs { get; set; } = 5_000;
}
