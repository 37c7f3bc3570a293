using System.Globalization;
using Live.Tools.KafkaMock;

// Hosts a local Kafka-protocol broker for development and tests (see docs/adr/0001-local-kafka-broker.md).
// Usage: Live.KafkaMock [--brokers N] [--partitions N] [--topics a,b,c] [--bootstrap-file PATH] [--library PATH]
var brokers = 1;
var partitions = 4;
var topics = new[] { "room-events", "live-messages", "gift-events", "orders", "commerce-sales" };
string? bootstrapFile = null;
string? library = null;
for (var i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    switch (args[i])
    {
        case "--brokers": brokers = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--partitions": partitions = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--topics": topics = Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries); break;
        case "--bootstrap-file": bootstrapFile = Next(); break;
        case "--library": library = Next(); break;
        default:
            Console.Error.WriteLine($"unknown argument '{args[i]}'");
            return 2;
    }
}

using var cluster = new MockCluster(brokers, library);
foreach (var topic in topics)
{
    cluster.CreateTopic(topic, partitions);
}

if (bootstrapFile is not null)
{
    var temp = bootstrapFile + ".tmp";
    await File.WriteAllTextAsync(temp, cluster.Bootstraps);
    File.Move(temp, bootstrapFile, overwrite: true);
}

Console.WriteLine($"bootstrap={cluster.Bootstraps} brokers={brokers} topics={string.Join(',', topics)} partitions={partitions}");

var stop = new TaskCompletionSource();
using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, ctx => { ctx.Cancel = true; stop.TrySetResult(); });
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.TrySetResult(); };
await stop.Task;
if (bootstrapFile is not null)
{
    File.Delete(bootstrapFile);
}

Console.WriteLine("stopped");
return 0;
