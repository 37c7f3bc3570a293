using System.ComponentModel.DataAnnotations;

namespace Live.CommerceService;

public sealed class CommerceOptions
{
    public const string Section = "Commerce";

    /// <summary>Kafka topic of reservations (key = sale id), written by Purchase and read by the order writer.</summary>
    [Required]
    public string OrdersTopic { get; set; } = "orders";

    /// <summary>Kafka topic of paid orders (key = room id), published from the sale outbox; StatsService counts them.</summary>
    [Required]
    public string SalesTopic { get; set; } = "commerce-sales";

    [Required]
    public string ConsumerGroup { get; set; } = "commerce-orders";

    /// <summary>Whether this process runs the order writer (every process serves Purchase).</summary>
    public bool OrderWriterEnabled { get; set; } = true;

    /// <summary>Most reservations inserted in one statement and transaction.</summary>
    [Range(1, 5_000)]
    public int WriterBatchSize { get; set; } = 500;

    /// <summary>An order not paid this long after its reservation expires and its units return to the sale.</summary>
    [Range(1, 86_400)]
    public int PaymentTimeoutSeconds { get; set; } = 900;

    /// <summary>How often the sweeper loads sales into Redis, announces starts, retries payments and returns stock.</summary>
    [Range(50, 60_000)]
    public int SweepIntervalMs { get; set; } = 1_000;

    [Range(1, 3_600)]
    public int ReconcileIntervalSeconds { get; set; } = 10;

    /// <summary>How long a node answers "sold out" from memory before asking Redis again (stock can come back).</summary>
    [Range(0, 60_000)]
    public int SoldOutFlagMs { get; set; } = 1_000;

    /// <summary>At most one "N left" message per sale in this interval, across every node.</summary>
    [Range(100, 60_000)]
    public int StockAnnounceIntervalMs { get; set; } = 1_000;
}
