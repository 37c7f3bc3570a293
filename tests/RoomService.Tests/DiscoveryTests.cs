using Grpc.Health.V1;
using Grpc.Reflection.V1Alpha;

namespace Live.RoomService.Tests;

public sealed class DiscoveryTests(RoomServiceFixture fixture) : IClassFixture<RoomServiceFixture>
{
    [Fact]
    public async Task Reflection_lists_the_room_service_and_health_reports_serving()
    {
        var reflection = new ServerReflection.ServerReflectionClient(fixture.Host.Channel);
        using var call = reflection.ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = string.Empty });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var services = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();
        Assert.Contains("live.v1.RoomService", services);

        var health = new Health.HealthClient(fixture.Host.Channel);
        var status = await health.CheckAsync(new HealthCheckRequest());
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, status.Status);
    }

    [Fact]
    public async Task Readiness_checks_every_dependency_and_metrics_are_exported()
    {
        using var http = new HttpClient { BaseAddress = fixture.Host.HttpAddress };
        var ready = await http.GetStringAsync("/health/ready");
        Assert.Contains("\"mysql\":{\"status\":\"Healthy\"", ready);
        Assert.Contains("\"redis\":{\"status\":\"Healthy\"", ready);
        Assert.Contains("\"kafka\":{\"status\":\"Healthy\"", ready);

        await fixture.Client.GetRoomAsync(new Live.V1.GetRoomRequest { RoomId = 123_456_789 }).ResponseAsync.ContinueWith(_ => { });
        var metrics = await http.GetStringAsync("/metrics");
        Assert.Contains("live_room_cache_lookups", metrics);
    }
}
