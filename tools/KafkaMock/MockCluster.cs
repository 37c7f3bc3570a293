using System.Runtime.InteropServices;
using System.Text;
using Live.Kafka;

namespace Live.Tools.KafkaMock;

/// <summary>
/// librdkafka's built-in mock cluster: real Kafka-protocol brokers on loopback, held in memory by this
/// process. Clients reach it like any cluster through its bootstrap address. Its brokers can be taken down and
/// brought back with their data, as a broker outage looks to clients (the chaos tests use it for that).
/// </summary>
public sealed unsafe class MockCluster : IDisposable
{
    private const int ProducerType = 0;

    private readonly delegate* unmanaged<IntPtr, void> destroyCluster;
    private readonly delegate* unmanaged<IntPtr, void> destroyHandle;
    private readonly delegate* unmanaged<IntPtr, byte*, int, int, int> createTopic;
    private readonly delegate* unmanaged<IntPtr, int, int> brokerDown;
    private readonly delegate* unmanaged<IntPtr, int, int> brokerUp;
    private readonly IntPtr handle;
    private readonly IntPtr cluster;

    public MockCluster(int brokers, string? libraryPath)
    {
        var library = KafkaNativeLibrary.Load(libraryPath);
        var confNew = (delegate* unmanaged<IntPtr>)NativeLibrary.GetExport(library, "rd_kafka_conf_new");
        var confSet = (delegate* unmanaged<IntPtr, byte*, byte*, byte*, nuint, int>)NativeLibrary.GetExport(library, "rd_kafka_conf_set");
        var kafkaNew = (delegate* unmanaged<int, IntPtr, byte*, nuint, IntPtr>)NativeLibrary.GetExport(library, "rd_kafka_new");
        var clusterNew = (delegate* unmanaged<IntPtr, int, IntPtr>)NativeLibrary.GetExport(library, "rd_kafka_mock_cluster_new");
        var rebalanceDelay = (delegate* unmanaged<IntPtr, int, void>)NativeLibrary.GetExport(library, "rd_kafka_mock_group_initial_rebalance_delay_ms");
        Bootstraps = string.Empty;
        destroyCluster = (delegate* unmanaged<IntPtr, void>)NativeLibrary.GetExport(library, "rd_kafka_mock_cluster_destroy");
        destroyHandle = (delegate* unmanaged<IntPtr, void>)NativeLibrary.GetExport(library, "rd_kafka_destroy");
        createTopic = (delegate* unmanaged<IntPtr, byte*, int, int, int>)NativeLibrary.GetExport(library, "rd_kafka_mock_topic_create");
        var bootstraps = (delegate* unmanaged<IntPtr, IntPtr>)NativeLibrary.GetExport(library, "rd_kafka_mock_cluster_bootstraps");
        brokerDown = (delegate* unmanaged<IntPtr, int, int>)NativeLibrary.GetExport(library, "rd_kafka_mock_broker_set_down");
        brokerUp = (delegate* unmanaged<IntPtr, int, int>)NativeLibrary.GetExport(library, "rd_kafka_mock_broker_set_up");

        var error = stackalloc byte[512];
        var conf = confNew();
        // The handle only owns the cluster; it never connects anywhere, so silence its "no bootstrap" notice.
        fixed (byte* name = "log_level\0"u8, value = "3\0"u8)
        {
            confSet(conf, name, value, error, 512);
        }

        handle = kafkaNew(ProducerType, conf, error, 512);
        if (handle == IntPtr.Zero)
        {
            throw new InvalidOperationException("rd_kafka_new failed: " + Marshal.PtrToStringAnsi((IntPtr)error));
        }

        cluster = clusterNew(handle, brokers);
        if (cluster == IntPtr.Zero)
        {
            destroyHandle(handle);
            throw new InvalidOperationException("rd_kafka_mock_cluster_new failed");
        }

        // Consumer groups form in milliseconds instead of the broker default of seconds.
        rebalanceDelay(cluster, 0);
        Bootstraps = Marshal.PtrToStringAnsi(bootstraps(cluster)) ?? string.Empty;
    }

    public string Bootstraps { get; }

    public void CreateTopic(string topic, int partitions)
    {
        var bytes = Encoding.UTF8.GetBytes(topic + "\0");
        fixed (byte* name = bytes)
        {
            var rc = createTopic(cluster, name, partitions, 1);
            if (rc != 0)
            {
                throw new InvalidOperationException($"Creating topic '{topic}' failed with librdkafka error {rc}.");
            }
        }
    }

    /// <summary>
    /// Disconnects every client of broker <paramref name="id"/> (1..the brokers it was made with) and refuses new connections until
    /// <see cref="SetBrokerUp"/>; its partitions and records stay.
    /// </summary>
    public void SetBrokerDown(int id) => Check(brokerDown(cluster, id), "down", id);

    public void SetBrokerUp(int id) => Check(brokerUp(cluster, id), "up", id);

    private static void Check(int rc, string state, int id)
    {
        if (rc != 0)
        {
            throw new InvalidOperationException($"Setting mock broker {id} {state} failed with librdkafka error {rc}.");
        }
    }

    public void Dispose()
    {
        destroyCluster(cluster);
        destroyHandle(handle);
    }
}
