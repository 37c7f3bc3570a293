using Live.Moderation.Data;
using Live.Moderation.Telemetry;
using Live.Moderation.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MySqlConnector;

namespace Live.Moderation.Words;

public enum WordChangeStatus
{
    Done,
    AlreadyListed,
    NotListed,
    InvalidWord,
    ListFull,
}

/// <summary>A word as an admin sees it.</summary>
public sealed record WordEntry(long Id, string Word, WordAction Action, long? RoomId, DateTime CreatedAt, string CreatedBy);

public readonly record struct WordChange(WordChangeStatus Status, WordEntry? Entry = null, string? Error = null);

/// <summary>
/// The word lists in MySQL: add, remove and list, globally (room null) or for one room. Words are stored
/// normalized, so "ＢＡＤ" and "bad" are the same entry. Every successful change is announced to all nodes
/// through <see cref="WordListNotifier"/>.
/// </summary>
public sealed class WordStore(
    IDbContextFactory<ModerationDbContext> contexts,
    WordListNotifier notifier,
    TextNormalizer normalizer,
    IOptions<ModerationOptions> options,
    TimeProvider time,
    ILogger<WordStore> logger)
{
    public const int MaxPageSize = 500;

    private readonly ModerationOptions options = options.Value;

    public async Task<WordChange> AddAsync(string word, WordAction action, long? roomId, string createdBy, CancellationToken cancellationToken = default)
    {
        var normalized = normalizer.NormalizeWord(word ?? "");
        if (normalized.Length == 0)
        {
            return new WordChange(WordChangeStatus.InvalidWord, Error: "the word is empty once normalized");
        }

        if (normalized.Length > options.MaxWordLength)
        {
            return new WordChange(WordChangeStatus.InvalidWord, Error: $"the word is longer than {options.MaxWordLength} characters once normalized");
        }

        if (!Enum.IsDefined(action))
        {
            return new WordChange(WordChangeStatus.InvalidWord, Error: $"unknown action {action}");
        }

        if (roomId is <= 0)
        {
            return new WordChange(WordChangeStatus.InvalidWord, Error: $"room id must be positive; got {roomId}");
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var scope = roomId ?? 0;
        // Checked first so the usual case is not a failed insert (which EF Core logs as an error); the unique
        // index still settles a race between two admins.
        if (await db.Words.AnyAsync(w => w.RoomScope == scope && w.Word == normalized, cancellationToken))
        {
            return new WordChange(WordChangeStatus.AlreadyListed, Error: $"'{normalized}' is already listed");
        }

        if (await ListIsFullAsync(db, roomId, cancellationToken) is { } full)
        {
            return new WordChange(WordChangeStatus.ListFull, Error: full);
        }

        var record = new ModerationWordRecord
        {
            Word = normalized,
            Action = action,
            RoomId = roomId,
            CreatedAt = time.GetUtcNow().UtcDateTime,
            CreatedBy = createdBy.Length > 128 ? createdBy[..128] : createdBy,
        };
        db.Words.Add(record);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException ex) when (ex.InnerException is MySqlException { ErrorCode: MySqlErrorCode.DuplicateKeyEntry })
        {
            return new WordChange(WordChangeStatus.AlreadyListed, Error: $"'{normalized}' is already listed");
        }

        await AnnounceAsync(roomId);
        return new WordChange(WordChangeStatus.Done, ToEntry(record));
    }

    public async Task<WordChange> RemoveAsync(string word, long? roomId, CancellationToken cancellationToken = default)
    {
        var normalized = normalizer.NormalizeWord(word ?? "");
        var scope = roomId ?? 0;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var removed = await db.Words.Where(w => w.RoomScope == scope && w.Word == normalized).ExecuteDeleteAsync(cancellationToken);
        if (removed == 0)
        {
            return new WordChange(WordChangeStatus.NotListed, Error: $"'{normalized}' is not listed");
        }

        await AnnounceAsync(roomId);
        return new WordChange(WordChangeStatus.Done);
    }

    /// <summary>One page of a list in id order; pass the last id of a page as <paramref name="afterId"/> for the next.</summary>
    public async Task<IReadOnlyList<WordEntry>> ListAsync(long? roomId, long afterId, int pageSize, CancellationToken cancellationToken = default)
    {
        pageSize = Math.Clamp(pageSize, 1, MaxPageSize);
        var scope = roomId ?? 0;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var records = await db.Words.AsNoTracking()
            .Where(w => w.RoomScope == scope && w.Id > afterId)
            .OrderBy(w => w.Id)
            .Take(pageSize)
            .ToListAsync(cancellationToken);
        return records.ConvertAll(ToEntry);
    }

    /// <summary>The global list, at most <see cref="ModerationOptions.MaxGlobalWords"/> words.</summary>
    public async Task<List<ListedWord>> LoadGlobalAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var words = await db.Words.AsNoTracking()
            .Where(w => w.RoomScope == 0)
            .OrderBy(w => w.Id)
            .Take(options.MaxGlobalWords + 1)
            .Select(w => new ListedWord(w.Word, w.Action))
            .ToListAsync(cancellationToken);
        if (words.Count > options.MaxGlobalWords)
        {
            Log.WordListTruncated(logger, "global", options.MaxGlobalWords);
            words.RemoveAt(words.Count - 1);
        }

        return words;
    }

    /// <summary>One room's list, at most <see cref="ModerationOptions.MaxWordsPerRoom"/> words.</summary>
    public async Task<List<ListedWord>> LoadRoomAsync(long roomId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Words.AsNoTracking()
            .Where(w => w.RoomScope == roomId)
            .OrderBy(w => w.Id)
            .Take(options.MaxWordsPerRoom)
            .Select(w => new ListedWord(w.Word, w.Action))
            .ToListAsync(cancellationToken);
    }

    /// <summary>Every room's list, within <see cref="ModerationOptions.MaxRoomsWithWords"/> and the per-room bound.</summary>
    public async Task<Dictionary<long, List<ListedWord>>> LoadAllRoomsAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var rooms = new Dictionary<long, List<ListedWord>>();
        var rows = db.Words.AsNoTracking()
            .Where(w => w.RoomScope != 0)
            .OrderBy(w => w.RoomScope).ThenBy(w => w.Id)
            .Select(w => new { w.RoomScope, w.Word, w.Action })
            .AsAsyncEnumerable();
        await foreach (var row in rows.WithCancellation(cancellationToken))
        {
            if (!rooms.TryGetValue(row.RoomScope, out var list))
            {
                if (rooms.Count == options.MaxRoomsWithWords)
                {
                    Log.WordListTruncated(logger, "rooms", options.MaxRoomsWithWords);
                    break;
                }

                rooms[row.RoomScope] = list = [];
            }

            if (list.Count < options.MaxWordsPerRoom)
            {
                list.Add(new ListedWord(row.Word, row.Action));
            }
        }

        return rooms;
    }

    private async Task<string?> ListIsFullAsync(ModerationDbContext db, long? roomId, CancellationToken cancellationToken)
    {
        if (roomId is not { } room)
        {
            var globalCount = await db.Words.CountAsync(w => w.RoomScope == 0, cancellationToken);
            return globalCount >= options.MaxGlobalWords ? $"the global list holds its maximum of {options.MaxGlobalWords} words" : null;
        }

        var roomCount = await db.Words.CountAsync(w => w.RoomScope == room, cancellationToken);
        if (roomCount >= options.MaxWordsPerRoom)
        {
            return $"room {room} holds its maximum of {options.MaxWordsPerRoom} words";
        }

        if (roomCount == 0)
        {
            var rooms = await db.Words.Where(w => w.RoomScope != 0).Select(w => w.RoomScope).Distinct().CountAsync(cancellationToken);
            if (rooms >= options.MaxRoomsWithWords)
            {
                return $"{options.MaxRoomsWithWords} rooms already have their own words";
            }
        }

        return null;
    }

    private async Task AnnounceAsync(long? roomId)
    {
        try
        {
            await notifier.PublishAsync(roomId);
        }
        catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException)
        {
            // The change is stored; every node picks it up at its next full reload.
            Log.WordChangeNotAnnounced(logger, roomId?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "global", ex);
        }
    }

    private static WordEntry ToEntry(ModerationWordRecord r) => new(r.Id, r.Word, r.Action, r.RoomId, r.CreatedAt, r.CreatedBy);
}
