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

    [Fact]
    public async Task Topics_that_do_not_exist_yet_are_reported_and_the_host_keeps_serving()
    {
        var store = await env.NewStoreAsync();
        var missing = "missing-" + Guid.NewGuid().ToString("N")[..8];
        await using var host = await env.StartStatsAsync(store, new Dictionary<string, string?>
        {
            ["Stats:LiveMessagesTopic"] = missing + "-messages",
            ["Stats:RoomEventsTopic"] = missing + "-rooms",
            ["Stats:GiftEventsTopic"] = missing + "-gifts",
        });

        await Task.Delay(TimeSpan.FromSeconds(3));
        var health = await new Health.HealthClient(host.Channel).CheckAsync(new HealthCheckRequest());
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
        var client = new StatsServiceClient(host.Channel);
        Assert.Equal(0, (await client.GetRoomStatsAsync(new Live.V1.GetRoomStatsRequest { RoomId = 1 })).GiftValue);
        host.Logs.AssertNoErrors();
    }
}
