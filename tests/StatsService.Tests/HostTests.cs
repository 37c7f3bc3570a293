using Grpc.Health.V1;
using Live.Testing;

namespace Live.StatsService.Tests;

public sealed class HostTests(StatsEnvironment env) : IClassFixture<StatsEnvironment>
{
    [Fact]
    public async Task The_host_starts_and_is_ready_with_mysql_redis_and_kafka()
    {
        var store = await env.NewStoreAsync();
        await using var host = await env.StartStatsAsync(store);

        var health = await new Health.HealthClient(host.Channel).CheckAsync(new HealthCheckRequest());
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);

        using var http = new HttpClient { BaseAddress = host.HttpAddress };
        Assert.True((await http.GetAsync("/health/live")).IsSuccessStatusCode);
        var ready = await http.GetStringAsync("/health/ready");
        Assert.Contains("\"mysql\"", ready, StringComparison.Ordinal);
        Assert.Contains("\"kafka\"", ready, StringComparison.Ordinal);
        Assert.Contains("\"redis\"", ready, StringComparison.Ordinal);
        host.Logs.AssertNoErrors();
    }
}
