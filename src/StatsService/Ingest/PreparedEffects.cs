using Confluent.Kafka;
using Live.StatsService.Facts;
using StackExchange.Redis;

namespace Live.StatsService.Ingest;

/// <summary>A batch's script arguments, built ahead of its turn by <see cref="RedisEffectWriter.PrepareAsync"/>.</summary>
public sealed class PreparedEffects
{
    internal PreparedEffects(IReadOnlyList<PartitionSlice> slices, List<(long Room, long Minute)> minutes, RedisKey[] counted, BuiltScript built)
    {
        Slices = slices;
        Minutes = minutes;
        Counted = counted;
        Built = built;
    }

    internal IReadOnlyList<PartitionSlice> Slices { get; }

    /// <summary>The (room, minute)s whose unique senders are counted, in the order of <see cref="Counted"/>.</summary>
    internal List<(long Room, long Minute)> Minutes { get; }

    internal RedisKey[] Counted { get; }

    internal BuiltScript Built { get; }
}

/// <summary>Script arguments, the partitions they move and the senders they add.</summary>
internal sealed record BuiltScript(RedisValue[] Args, List<(TopicPartition Partition, long Last)> Groups, List<(long Room, long Minute, long User)> NewSenders);
