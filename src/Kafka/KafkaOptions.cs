using System.ComponentModel.DataAnnotations;

namespace Live.Kafka;

public sealed class KafkaOptions
{
    public const string Section = "Kafka";

    /// <summary>Comma-separated host:port list; locally the address the Kafka mock tool printed.</summary>
    [Required]
    public string BootstrapServers { get; set; } = string.Empty;

    /// <summary>How long a record may wait for delivery before it is reported failed.</summary>
    [Range(1_000, 300_000)]
    public int MessageTimeoutMs { get; set; } = 30_000;

    /// <summary>Producer batching delay: a few ms trades a little latency for far fewer requests.</summary>
    [Range(0, 1_000)]
    public int LingerMs { get; set; } = 5;

    /// <summary>Optional path of librdkafka; by default the one shipped with librdkafka.redist that loads here.</summary>
    public string? NativeLibraryPath { get; set; }
}
