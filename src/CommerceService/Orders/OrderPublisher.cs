using System.Diagnostics;
using System.Globalization;
using Confluent.Kafka;
using Google.Protobuf;
using Live.Kafka;
using Live.V1;
using Microsoft.Extensions.Options;

namespace Live.CommerceService.Orders;

/// <summary>Sends reservations to Kafka `orders`, keyed by sale so one sale's orders keep their order on one partition.</summary>
public sealed class OrderPublisher(IProducer<string, byte[]> producer, IOptions<CommerceOptions> options)
{
    private readonly string topic = options.Value.OrdersTopic;

    /// <summary>Completes when the broker has the record (acks=all; the producer is idempotent, so its retries do not duplicate).</summary>
    public Task PublishAsync(OrderReservation reservation, CancellationToken ct)
    {
        var message = new Message<string, byte[]>
        {
            Key = reservation.SaleId.ToString(CultureInfo.InvariantCulture),
            Value = reservation.ToByteArray(),
            Headers = [],
        };
        KafkaTraceContext.Inject(message.Headers, Activity.Current);
        return producer.ProduceAsync(topic, message, ct);
    }
}
