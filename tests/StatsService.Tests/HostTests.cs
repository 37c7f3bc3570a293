using Grpc.Core;
using Grpc.Health.V1;
using Live.Testing;
using Live.V1;

namespace Live.StatsService.Tests;

public sealed class HostTests
{
    [Fact]
    public async Task The_host_starts_serves_health_and_answers_calls_not_built_yet_with_unimplemented()
    {
        await using var host = await TestHost.StartAsync(StatsServiceApp.Build, new Dictionary<string, string?>());

        var health = await new Health.HealthClient(host.Channel).CheckAsync(new HealthCheckRequest());
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);

        var client = new Live.V1.StatsService.StatsServiceClient(host.Channel);
        var error = await Assert.ThrowsAsync<RpcException>(() => client.GetRoomStatsAsync(new GetRoomStatsRequest { RoomId = 1 }).ResponseAsync);
        Assert.Equal(StatusCode.Unimplemented, error.StatusCode);

        using var http = new HttpClient { BaseAddress = host.HttpAddress };
        Assert.True((await http.GetAsync("/health/live")).IsSuccessStatusCode);
        Assert.True((await http.GetAsync("/health/ready")).IsSuccessStatusCode);
        host.Logs.AssertNoErrors();
    }
}
