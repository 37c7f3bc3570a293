using System.Security.Cryptography;
using Live.Kafka;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Live.MessageService.Handoff;

/// <summary>
/// This process's name among MessageService nodes. New at every start: a restarted node's unacknowledged Kafka
/// records are recovered like a dead node's, by whichever node sees it gone first (itself included).
/// </summary>
public sealed class NodeIdentity
{
    public NodeIdentity(IOptions<KafkaOptions> kafka, IOptions<MessageOptions> options)
    {
        Id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        Value = Id;
        Registry = NodeKeys.Nodes(options.Value.KafkaTopic + "@" + kafka.Value.BootstrapServers);
    }

    public string Id { get; }

    /// <summary>The id as the history entries' <c>n</c> field carries it.</summary>
    public RedisValue Value { get; }

    /// <summary>The set of nodes this one watches and is watched by (<see cref="NodeKeys.Nodes"/>).</summary>
    public RedisKey Registry { get; }
}
