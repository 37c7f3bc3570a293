namespace Live.RoomService.Rooms;

public enum RoomState : byte
{
    Idle = 1,
    Live = 2,
    Ended = 3,
}

/// <summary>A row of table `rooms`.</summary>
public sealed class RoomRecord
{
    public long Id { get; set; }
    public long AnchorUserId { get; set; }
    public string Title { get; set; } = string.Empty;
    public string CoverUrl { get; set; } = string.Empty;
    public string Category { get; set; } = string.Empty;
    public RoomState Status { get; set; } = RoomState.Idle;
    public DateTime CreatedAt { get; set; }
    public DateTime? StartedAt { get; set; }
    public DateTime? EndedAt { get; set; }
    public long PeakViewers { get; set; }

    /// <summary>Concurrency token: every change increments it, and cache writes never replace a newer version.</summary>
    public long Version { get; set; }
}
