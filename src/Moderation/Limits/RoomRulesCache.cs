using Live.Redis;
using Live.ServiceDefaults.Caching;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Live.Moderation.Limits;

/// <summary>A room's slow-mode interval and unique-message window in ms; 0 is off.</summary>
public readonly record struct RoomRules(long SlowModeMs, long UniqueWindowMs);

/// <summary>
/// A room's rules as the admission script applies them, kept in this process for
/// <see cref="ModerationOptions.RoomRulesCacheMs"/>: they are read for every message and changed by an anchor or an
/// admin a few times per stream, so the two reads per message (per room per script call) leave Redis. A change made
/// through <see cref="RoomModerationControls"/> is seen here at once and on the other nodes by notice; a lost notice
/// leaves a node on the old rule until its copy expires.
/// </summary>
public sealed class RoomRulesCache(IConnectionMultiplexer redis, IOptions<ModerationOptions> options, TimeProvider time, ILogger<RoomRulesCache> logger)
    : NoticedReadCache(redis, Changes, logger)
{
    public static readonly RedisChannel Changes = RedisChannel.Literal("moderation:room-rules:changed");

    private readonly IDatabase database = redis.GetDatabase();
    private readonly ExpiringCache<long, RoomRules> rules = new(
        TimeSpan.FromMilliseconds(options.Value.RoomRulesCacheMs), options.Value.RoomRulesCacheMaxEntries, time);

    protected override bool Enabled => options.Value.RoomRulesCacheMs > 0;

    protected override TimeSpan Lifetime => TimeSpan.FromMilliseconds(options.Value.RoomRulesCacheMs);

    public ValueTask<RoomRules> GetAsync(long roomId) =>
        Enabled ? rules.GetOrLoadAsync(roomId, static (id, db) => ReadAsync(db, id), database) : new ValueTask<RoomRules>(ReadAsync(database, roomId));

    protected override void Forget(long id) => rules.Invalidate(id);

    protected override void ForgetAll() => rules.Clear();

    private static async Task<RoomRules> ReadAsync(IDatabase db, long roomId)
    {
        var values = await db.StringGetAsync([ModerationKeys.SlowMode(roomId), ModerationKeys.UniqueMode(roomId)]);
        return new RoomRules(values[0].IsNull ? 0 : (long)values[0], values[1].IsNull ? 0 : (long)values[1]);
    }
}
