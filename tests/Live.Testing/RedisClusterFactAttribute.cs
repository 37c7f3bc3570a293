namespace Live.Testing;

/// <summary>
/// A test that needs a Redis Cluster (a failover, slot ownership): it runs in the Redis Cluster pass of
/// `./platform test` and is reported as skipped, with the reason, in the standalone pass. With
/// <see cref="OptInVariable"/> it runs only when that environment variable is "1" as well.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RedisClusterFactAttribute : Xunit.FactAttribute
{
    private string? skip;

    /// <summary>An environment variable that must be "1" too (for a test not yet in the default run, and why).</summary>
    public string? OptInVariable { get; set; }

    public override string Skip
    {
        get => skip ?? (!TestEnvironment.RedisIsCluster
            ? "needs a Redis Cluster: runs in the Redis Cluster pass of ./platform test (or ./platform test <project> --redis-cluster)"
            : OptInVariable is { } variable && Environment.GetEnvironmentVariable(variable) != "1"
                ? $"opt-in: set {variable}=1 (docs/reliability.md)"
                : null)!;
        set => skip = value;
    }
}
