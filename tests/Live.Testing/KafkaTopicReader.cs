using Confluent.Kafka;
using Live.Kafka;

namespace Live.Testing;

/// <summary>Reads a topic from the beginning of every partition, without a consumer group, to find records.</summary>
public static class KafkaTopicReader
{
    public static async Task<List<ConsumeResult<string, byte[]>>> ReadAsync(
        string topic, Func<ConsumeResult<string, byte[]>, bool> match, int expected, TimeSpan timeout, string? bootstrapServers = null)
    {
        var bootstrap = bootstrapServers ?? TestEnvironment.Kafka;
        KafkaNativeLibrary.Load();
        return await Task.Run(() =>
        {
            var config = new ConsumerConfig
            {
                BootstrapServers = bootstrap,
                GroupId = "test-reader-" + Guid.NewGuid().ToString("N"),
                EnableAutoCommit = false,
                AutoOffsetReset = AutoOffsetReset.Earliest,
            };
            using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build();
            var partitions = admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics.Single().Partitions;
            using var consumer = new ConsumerBuilder<string, byte[]>(config).Build();
            consumer.Assign(partitions.Select(p => new TopicPartitionOffset(topic, p.PartitionId, Offset.Beginning)));

            var found = new List<ConsumeResult<string, byte[]>>();
            var deadline = DateTime.UtcNow + timeout;
            while (found.Count < expected && DateTime.UtcNow < deadline)
            {
                var result = consumer.Consume(TimeSpan.FromMilliseconds(200));
                if (result is { IsPartitionEOF: false } && match(result))
                {
                    found.Add(result);
                }
            }

            return found;
        });
    }
}
