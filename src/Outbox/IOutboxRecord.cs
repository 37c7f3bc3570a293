namespace Live.Outbox;

/// <summary>
/// A row of a transactional outbox: an event written in the same transaction as the change it describes,
/// then published to Kafka by an <see cref="OutboxRelay{TContext, TRecord}"/>. A change can never commit
/// without its event.
/// </summary>
public interface IOutboxRecord
{
    long Id { get; }
    string EventId { get; }
    string EventType { get; }
    byte[] Payload { get; }
    string? TraceParent { get; }
    string? TraceState { get; }
    DateTime CreatedAt { get; }
    int Attempts { get; }

    /// <summary>The Kafka record key; records with one key keep their order (one partition).</summary>
    string MessageKey();
}
