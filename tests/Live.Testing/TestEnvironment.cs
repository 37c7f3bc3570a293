using System.Net;
using System.Net.Sockets;
using MySqlConnector;

namespace Live.Testing;

/// <summary>
/// Where the real dependencies are. `./platform test` starts MariaDB, Redis and the Kafka-protocol broker
/// and passes their addresses in these variables; running tests any other way must set them too.
/// </summary>
public static class TestEnvironment
{
    public static string MySql => Require("LIVE_TEST_MYSQL");
    public static string Redis => Require("LIVE_TEST_REDIS");
    public static string Kafka => Require("LIVE_TEST_KAFKA");

    /// <summary>True in the pass of `./platform test` that runs suites against a 3-master Redis Cluster.</summary>
    public static bool RedisIsCluster => Environment.GetEnvironmentVariable("LIVE_TEST_REDIS_CLUSTER") == "1";

    /// <summary>The redis-server binary, for tests that need a Redis of their own to stop and start.</summary>
    public static string RedisServerBinary => Environment.GetEnvironmentVariable("LIVE_TEST_REDIS_SERVER") is { Length: > 0 } path ? path : "redis-server";

    public static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static string MySqlDatabase(string database) =>
        new MySqlConnectionStringBuilder(MySql) { Database = database }.ConnectionString;

    private static string Require(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{name} is not set: run the tests with ./platform test, which starts the dependencies and sets it.");
}
