using System.Diagnostics.Metrics;
using Live.V1;

namespace Live.MessageService.Inbox;

public sealed class InboxMetrics
{
    private readonly Counter<long> stored;
    private readonly Counter<long> duplicates;
    private readonly Counter<long> published;
    private readonly Counter<long> refused;

    public InboxMetrics(IMeterFactory meters)
    {
        var meter = meters.Create("Live.MessageService.Inbox");
        stored = meter.CreateCounter<long>("live.inbox.stored", description: "Messages stored in users' inboxes, by kind.");
        duplicates = meter.CreateCounter<long>("live.inbox.duplicates", description: "Sends answered with the first answer of their idempotency key.");
        published = meter.CreateCounter<long>("live.inbox.published", description: "Stored messages announced on their user's channel, by result (ok, failed).");
        refused = meter.CreateCounter<long>("live.inbox.refused", description: "Sends refused, by reason code.");
    }

    public void Sent(InboxKind kind, int newMessages, int duplicateMessages)
    {
        var tag = new KeyValuePair<string, object?>("kind", kind.ToString());
        stored.Add(newMessages, tag);
        duplicates.Add(duplicateMessages, tag);
    }

    public void Published(bool ok) => published.Add(1, new KeyValuePair<string, object?>("result", ok ? "ok" : "failed"));

    public void Refused(string reason) => refused.Add(1, new KeyValuePair<string, object?>("reason", reason));
}
