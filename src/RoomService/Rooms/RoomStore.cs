using System.Buffers.Binary;
using System.Linq.Expressions;
using Live.RoomService.Data;
using Live.RoomService.Events;
using Live.RoomService.Telemetry;
using Live.ServiceDefaults.Grpc;
using Live.V1;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Query;

namespace Live.RoomService.Rooms;

/// <summary>
/// Room rows and their lifecycle. Every change commits together with its outbox event, and every
/// transition is one conditional UPDATE, so of two racing callers exactly one sees a row change.
/// </summary>
public sealed class RoomStore(RoomsDbContext db, RoomEventWriter events, TimeProvider time, RoomMetrics metrics, ILogger<RoomStore> logger)
{
    public const int DefaultPageSize = 20;
    public const int MaxPageSize = 100;

    public async Task<Room> CreateAsync(long anchorUserId, string title, string coverUrl, string category, CancellationToken ct)
    {
        var record = new RoomRecord
        {
            AnchorUserId = anchorUserId,
            Title = title,
            CoverUrl = coverUrl,
            Category = category,
            Status = RoomState.Idle,
            CreatedAt = Now(),
            Version = 1,
        };

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        db.Rooms.Add(record);
        await db.SaveChangesAsync(ct);
        var room = record.ToContract();
        events.Add(db, RoomEventType.Created, room);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        events.Committed();
        Log.RoomTransition(logger, room.Id, "created", room.Version);
        return room;
    }

    public async Task<Room?> FindAsync(long roomId, CancellationToken ct)
    {
        var record = await db.Rooms.AsNoTracking().FirstOrDefaultAsync(r => r.Id == roomId, ct);
        return record?.ToContract();
    }

    public async Task<Room> UpdateAsync(long roomId, long expectedVersion, string? title, string? coverUrl, string? category, CancellationToken ct)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var record = await db.Rooms.FirstOrDefaultAsync(r => r.Id == roomId, ct);
        if (record is null)
        {
            RpcErrors.NotFound($"room {roomId} does not exist.");
        }

        if (expectedVersion != 0 && record.Version != expectedVersion)
        {
            RpcErrors.Aborted($"room {roomId} is at version {record.Version}, not {expectedVersion}; read it again and retry.");
        }

        record.Title = title ?? record.Title;
        record.CoverUrl = coverUrl ?? record.CoverUrl;
        record.Category = category ?? record.Category;
        record.Version++;
        await db.SaveChangesAsync(ct);
        var room = record.ToContract();
        events.Add(db, RoomEventType.Updated, room);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        events.Committed();
        return room;
    }

    public Task<Room> StartLiveAsync(long roomId, CancellationToken ct)
    {
        var now = Now();
        return TransitionAsync(
            roomId,
            Transition.Start,
            rooms => rooms.Where(r => r.Id == roomId && (r.Status == RoomState.Idle || r.Status == RoomState.Ended)),
            set => set
                .SetProperty(r => r.Status, RoomState.Live)
                .SetProperty(r => r.StartedAt, now)
                .SetProperty(r => r.EndedAt, (DateTime?)null)
                .SetProperty(r => r.PeakViewers, 0L)
                .SetProperty(r => r.Version, r => r.Version + 1),
            ct);
    }

    public Task<Room> StopLiveAsync(long roomId, long peakViewers, CancellationToken ct)
    {
        var now = Now();
        return TransitionAsync(
            roomId,
            Transition.Stop,
            rooms => rooms.Where(r => r.Id == roomId && r.Status == RoomState.Live),
            set => set
                .SetProperty(r => r.Status, RoomState.Ended)
                .SetProperty(r => r.EndedAt, now)
                .SetProperty(r => r.PeakViewers, r => r.PeakViewers > peakViewers ? r.PeakViewers : peakViewers)
                .SetProperty(r => r.Version, r => r.Version + 1),
            ct);
    }

    public async Task<(List<Room> Rooms, string NextPageToken)> ListAsync(RoomState? status, string? category, PageRequest? page, CancellationToken ct)
    {
        var size = page?.PageSize ?? 0;
        if (size < 0 || size > MaxPageSize)
        {
            RpcErrors.InvalidArgument($"page.page_size must be between 0 and {MaxPageSize}; got {size}.");
        }

        size = size == 0 ? DefaultPageSize : size;
        var query = db.Rooms.AsNoTracking();
        if (status is { } s)
        {
            query = query.Where(r => r.Status == s);
        }

        if (!string.IsNullOrEmpty(category))
        {
            query = query.Where(r => r.Category == category);
        }

        if (!string.IsNullOrEmpty(page?.PageToken))
        {
            var afterId = DecodePageToken(page.PageToken);
            query = query.Where(r => r.Id < afterId);
        }

        // One extra row tells whether another page exists without a COUNT.
        var records = await query.OrderByDescending(r => r.Id).Take(size + 1).ToListAsync(ct);
        var hasMore = records.Count > size;
        if (hasMore)
        {
            records.RemoveAt(records.Count - 1);
        }

        var rooms = records.ConvertAll(r => r.ToContract());
        return (rooms, hasMore ? EncodePageToken(records[^1].Id) : string.Empty);
    }

    /// <summary>
    /// One conditional UPDATE: <paramref name="eligible"/> selects the room only in the states the transition
    /// leaves from, so of racing callers exactly one changes the row; the others learn what they found.
    /// </summary>
    private async Task<Room> TransitionAsync(
        long roomId,
        Transition transition,
        Func<IQueryable<RoomRecord>, IQueryable<RoomRecord>> eligible,
        Expression<Func<SetPropertyCalls<RoomRecord>, SetPropertyCalls<RoomRecord>>> apply,
        CancellationToken ct)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var changed = await eligible(db.Rooms).ExecuteUpdateAsync(apply, ct);
        if (changed == 0)
        {
            await transaction.RollbackAsync(ct);
            metrics.Transition(transition.Name, "rejected");
            var current = await db.Rooms.AsNoTracking().Where(r => r.Id == roomId).Select(r => (RoomState?)r.Status).FirstOrDefaultAsync(ct);
            if (current is null)
            {
                RpcErrors.NotFound($"room {roomId} does not exist.");
            }

            RpcErrors.FailedPrecondition(transition.Rejection(roomId, current.Value.Describe()));
        }

        var record = await db.Rooms.AsNoTracking().FirstAsync(r => r.Id == roomId, ct);
        var room = record.ToContract();
        events.Add(db, transition.Event, room);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        events.Committed();
        metrics.Transition(transition.Name, "ok");
        Log.RoomTransition(logger, roomId, transition.Name, room.Version);
        return room;
    }

    private sealed record Transition(string Name, RoomEventType Event, Func<long, string, string> Rejection)
    {
        public static readonly Transition Start = new("start", RoomEventType.Started, (id, state) => $"room {id} cannot go live: it is already {state}.");
        public static readonly Transition Stop = new("stop", RoomEventType.Stopped, (id, state) => $"room {id} cannot be stopped: it is {state}, not live.");
    }

    private DateTime Now()
    {
        // MySQL datetime(6) keeps microseconds; trimming here keeps returned and re-read values identical.
        var now = time.GetUtcNow().UtcDateTime;
        return new DateTime(now.Ticks - now.Ticks % 10, DateTimeKind.Utc);
    }

    private static string EncodePageToken(long lastId)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, lastId);
        return Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    private static long DecodePageToken(string token)
    {
        Span<byte> bytes = stackalloc byte[9];
        var padded = token.Replace('-', '+').Replace('_', '/') + "=";
        if (token.Length != 11 || !Convert.TryFromBase64String(padded, bytes, out var written) || written != 8)
        {
            RpcErrors.InvalidArgument("page.page_token is not a token returned by ListRooms.");
        }

        var id = BinaryPrimitives.ReadInt64BigEndian(bytes);
        if (id <= 0)
        {
            RpcErrors.InvalidArgument("page.page_token is not a token returned by ListRooms.");
        }

        return id;
    }
}
