namespace Live.Edge.Connections;

/// <summary>A place in a room's message stream: a seq is only meaningful with the epoch it belongs to (ADR 0007).</summary>
public readonly record struct StreamPosition(long Seq, long Epoch);
