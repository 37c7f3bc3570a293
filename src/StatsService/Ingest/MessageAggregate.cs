using System.Globalization;
using Live.StatsService.Facts;
using Live.StatsService.Storage;
using StackExchange.Redis;

namespace Live.StatsService.Ingest;

/// <summary>The messages of one group, folded to one operation per room-second, room-minute and room.</summary>
internal sealed class MessageAggregate(double tauSeconds)
{
    private const int RateTtlSeconds = 180;
    private const int SendersTtlSeconds = 2 * 3600;
    private const int MaxMembersPerAdd = 1_000;

    private readonly string tau = tauSeconds.ToString("R", CultureInfo.InvariantCulture);
    private readonly Dictionary<(long Room, long Second), long> perSecond = [];
    private readonly Dictionary<(long Room, long Minute), HashSet<long>> senders = [];
    private readonly Dictionary<long, Decayed> perRoom = [];
    private readonly Dictionary<long, List<long>> countedSeqs = [];

    public void Add(MessageFact message)
    {
        if (message.Seq is > 0 and <= RedisEffectWriter.MaxMarkedSeq)
        {
            if (!countedSeqs.TryGetValue(message.RoomId, out var seqs))
            {
                countedSeqs[message.RoomId] = seqs = [];
            }

            seqs.Add(message.Seq);
        }

        var second = message.TimeMs / 1000;
        var key = (message.RoomId, second);
        perSecond[key] = perSecond.GetValueOrDefault(key) + 1;
        var minuteKey = (message.RoomId, second / 60);
        if (!senders.TryGetValue(minuteKey, out var set))
        {
            senders[minuteKey] = set = [];
        }

        set.Add(message.UserId);
        perRoom[message.RoomId] = perRoom.GetValueOrDefault(message.RoomId).Add(message.TimeMs / 1000.0, tauSeconds);
    }

    public void AppendTo(List<RedisValue> args, StatsKeys keys, KnownSenders known, List<(long Room, long Minute, long User)> newSenders)
    {
        var minutes = new HashSet<(long, long)>();
        foreach (var ((room, second), count) in perSecond)
        {
            var minute = second / 60;
            args.Add("hi");
            args.Add(keys.RoomRate(room, minute).ToString());
            args.Add(second % 60);
            args.Add(count);
            minutes.Add((room, minute));
        }

        foreach (var (room, minute) in minutes)
        {
            RedisEffectWriter.Op(args, "ex", keys.RoomRate(room, minute), RateTtlSeconds);
        }

        foreach (var ((room, minute), users) in senders)
        {
            // Lua's unpack is limited to a few thousand values, so large sets go in chunks.
            string? key = null;
            var countIndex = -1;
            var count = 0;
            foreach (var user in users)
            {
                if (known.Contains(room, minute, user))
                {
                    continue;
                }

                if (countIndex < 0 || count == MaxMembersPerAdd)
                {
                    if (countIndex >= 0)
                    {
                        args[countIndex] = count;
                    }

                    key ??= keys.RoomSenders(room, minute).ToString();
                    args.Add("pf");
                    args.Add(key);
                    countIndex = args.Count;
                    args.Add(0);
                    count = 0;
                }

                args.Add(user);
                count++;
                newSenders.Add((room, minute, user));
            }

            // The TTL runs from the last new sender: a minute whose senders are all known is not touched.
            if (key is not null)
            {
                args[countIndex] = count;
                RedisEffectWriter.Op(args, "ex", key, SendersTtlSeconds);
            }
        }

        foreach (var (room, seqs) in countedSeqs)
        {
            args.Add("mc");
            args.Add(keys.CountedMessages(room).ToString());
            args.Add(RedisEffectWriter.CountedTtlSeconds);
            args.Add(seqs.Count);
            foreach (var seq in seqs)
            {
                args.Add(seq);
            }
        }

        foreach (var (room, decayed) in perRoom)
        {
            args.Add("msg");
            args.Add(keys.Room(room).ToString());
            args.Add(decayed.Count);
            args.Add(decayed.Sum.ToString("R", CultureInfo.InvariantCulture));
            args.Add(decayed.At.ToString("R", CultureInfo.InvariantCulture));
            args.Add(tau);
        }
    }
}

/// <summary>Σ exp(-(At - t)/τ) over events at times t, kept relative to the latest time At; order does not matter.</summary>
internal readonly record struct Decayed(long Count, double Sum, double At)
{
    public Decayed Add(double time, double tau) => Count == 0
        ? new Decayed(1, 1, time)
        : time >= At
            ? new Decayed(Count + 1, Sum * Math.Exp((At - time) / tau) + 1, time)
            : new Decayed(Count + 1, Sum + Math.Exp((time - At) / tau), At);
}
