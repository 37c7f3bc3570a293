namespace Live.Testing;

/// <summary>
/// A test that needs a Redis Cluster (a failover, slot ownership): it runs in the Redis Cluster pass of
/// `./platform test` and is reported as skipped, with the reason, in the standalone pass.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RedisClusterFactAttribute : Xunit.FactAttribute
{
    public RedisClusterFactAttribute()
    {
        if (!TestEnvironment.RedisIsCluster)
        {
            Skip = "needs a Redis Cluster: runs in the Redis Cluster pass of ./platform test (or ./platform test <project> --redis-cluster)";
        }
    }
}
