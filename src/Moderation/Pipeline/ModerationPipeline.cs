using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Live.Moderation.Bans;
using Live.Moderation.Content;
using Live.Moderation.Limits;
using Live.Moderation.Telemetry;
using Live.Moderation.Text;
using Live.Moderation.Words;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Live.Moderation.Pipeline;

/// <summary>
/// Judges one client message. The rules apply in a fixed order and the first that refuses names the reason:
/// bans → rate limit → timeout and slow mode → content rules → duplicates → words. Bans are a memory lookup
/// (the shared ban list) and the local rate gate needs no I/O, so a flood is refused with no Redis call at
/// all. Content rules and the word scan are pure, so they run before the Redis step and their outcome is
/// handed to the one admission script, which applies rate limit, timeout, slow mode and duplicates
/// atomically and reports in the order above. A message that passes the local gate costs one script call,
/// shared with the other messages waiting for Redis at that moment (<see cref="RedisAdmission"/>).
/// </summary>
public sealed class ModerationPipeline(
    LocalRateGate localGate,
    IBanLookup bans,
    ContentRules contentRules,
    TextNormalizer normalizer,
    WordFilter words,
    RedisAdmission admission,
    RoomRulesCache roomRules,
    ModerationMetrics metrics,
    IOptions<ModerationOptions> options,
    TimeProvider time,
    ILogger<ModerationPipeline> logger)
{
    private static readonly TimeSpan UnavailableRetry = TimeSpan.FromSeconds(1);

    private readonly ModerationOptions options = options.Value;
    private long lastUnavailableLogMs = -1_000;

    public async ValueTask<ModerationVerdict> EvaluateAsync(ModerationRequest request, CancellationToken cancellationToken = default)
    {
        var verdict = await JudgeAsync(request, cancellationToken);
        metrics.Verdict(verdict);
        return verdict;
    }

    private async ValueTask<ModerationVerdict> JudgeAsync(ModerationRequest request, CancellationToken cancellationToken)
    {
        BanKind ban;
        try
        {
            ban = await bans.GetBanAsync(request.UserId, request.ClientAddress, cancellationToken);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return Unavailable(ex, time.GetUtcNow().ToUnixTimeMilliseconds());
        }

        if (ban != BanKind.None)
        {
            return ModerationVerdict.Reject(ban == BanKind.User ? ModerationReason.Banned : ModerationReason.IpBanned);
        }

        var limit = options.LimitFor(request.UserLevel);
        var nowMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        var local = localGate.TryTake(request.UserId, request.RoomId, limit, nowMs);
        if (!local.IsAllowed)
        {
            return local.IsFlooding
                ? ModerationVerdict.Reject(ModerationReason.Flooding, local.RetryAfter, disconnect: true)
                : ModerationVerdict.Reject(ModerationReason.RateLimited, local.RetryAfter);
        }

        var contentReason = contentRules.Check(request.Content, request.Color);
        var scan = WordScanResult.Clean;
        string? contentHash = null;
        var stage = AdmissionStage.ContentRefused;
        if (contentReason == ModerationReason.None)
        {
            (scan, contentHash) = Inspect(request.RoomId, request.Content);
            stage = scan.Verdict == WordVerdict.Blocked ? AdmissionStage.WordBlocked : AdmissionStage.Passed;
        }

        AdmissionResult admitted;
        try
        {
            var rules = await roomRules.GetAsync(request.RoomId);
            admitted = await admission.AdmitAsync(request.UserId, request.RoomId, limit, nowMs, stage, contentHash, options.DuplicateWindowMs, rules);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            localGate.Refund(request.UserId, request.RoomId, limit, nowMs, rateRefusal: false);
            return Unavailable(ex, nowMs);
        }

        switch (admitted.Code)
        {
            case AdmissionCode.RateLimited:
                return localGate.Refund(request.UserId, request.RoomId, limit, nowMs, rateRefusal: true)
                    ? ModerationVerdict.Reject(ModerationReason.Flooding, admitted.RetryAfter, disconnect: true)
                    : ModerationVerdict.Reject(ModerationReason.RateLimited, admitted.RetryAfter);
            case AdmissionCode.TimedOut:
                return ModerationVerdict.Reject(ModerationReason.TimedOut, admitted.RetryAfter);
            case AdmissionCode.SlowMode:
                return ModerationVerdict.Reject(ModerationReason.SlowMode, admitted.RetryAfter);
            case AdmissionCode.ContentRefused:
                return ModerationVerdict.Reject(contentReason);
            case AdmissionCode.Duplicate:
                return ModerationVerdict.Reject(ModerationReason.Duplicate, admitted.RetryAfter);
            case AdmissionCode.DuplicateInRoom:
                return ModerationVerdict.Reject(ModerationReason.DuplicateInRoom, admitted.RetryAfter);
            case AdmissionCode.WordBlocked:
                return ModerationVerdict.Reject(ModerationReason.BlockedWord, matchedWord: scan.MatchedWord);
        }

        var masked = scan.Verdict == WordVerdict.Masked;
        var content = masked ? scan.MaskedText! : request.Content;
        return await bans.IsShadowBannedAsync(request.UserId, cancellationToken)
            ? ModerationVerdict.Shadow(content, masked, scan.MatchedWord)
            : ModerationVerdict.Accept(content, masked, scan.MatchedWord);
    }

    /// <summary>Normalizes once (stack or pooled buffers) for both the word scan and the duplicate key.</summary>
    [SkipLocalsInit]
    private (WordScanResult Scan, string ContentHash) Inspect(long roomId, string content)
    {
        char[]? rentedText = null;
        int[]? rentedIndex = null;
        var normalized = content.Length <= WordFilter.StackLimit ? stackalloc char[WordFilter.StackLimit] : (rentedText = ArrayPool<char>.Shared.Rent(content.Length));
        var sourceIndex = content.Length <= WordFilter.StackLimit ? stackalloc int[WordFilter.StackLimit] : (rentedIndex = ArrayPool<int>.Shared.Rent(content.Length));
        try
        {
            var length = normalizer.Normalize(content, normalized, sourceIndex);
            var text = normalized[..length];
            var scan = words.Scan(roomId, content, text, sourceIndex[..length]);
            Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(MemoryMarshal.AsBytes(text), digest);
            // 128 bits of the digest: collisions between a user's messages are out of reach, and keys stay short.
            return (scan, Convert.ToHexStringLower(digest[..16]));
        }
        finally
        {
            if (rentedText is not null)
            {
                ArrayPool<char>.Shared.Return(rentedText);
                ArrayPool<int>.Shared.Return(rentedIndex!);
            }
        }
    }

    private ModerationVerdict Unavailable(Exception exception, long nowMs)
    {
        // One warning a second at most: an outage would otherwise log once per message.
        var last = Interlocked.Read(ref lastUnavailableLogMs);
        if (nowMs - last >= 1_000 && Interlocked.CompareExchange(ref lastUnavailableLogMs, nowMs, last) == last)
        {
            Log.RedisUnavailable(logger, exception);
        }

        return ModerationVerdict.Reject(ModerationReason.Unavailable, UnavailableRetry);
    }
}
