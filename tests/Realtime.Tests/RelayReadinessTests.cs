using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Live.Testing;

namespace Live.Realtime.Tests;

/// <summary>
/// An Edge opens its relay streams before it listens, and is ready (/health/ready) only while every stream is open,
/// so a load balancer sends viewers only to an Edge that can serve them (docs/realtime.md, "When an Edge restarts").
/// </summary>
[Collection(RealtimeCollection.Name)]
public sealed class RelayReadinessTests(RealtimeFixture fixture)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task An_Edge_listens_with_its_relay_open_and_is_not_ready_once_its_MessageService_is_gone()
    {
        var messages = await fixture.StartMessageServiceAsync();
        await using var edge = await fixture.StartEdgeAsync(messages);

        // Started means listening, and the streams opened before that: ready at the first ask.
        Assert.Equal((HttpStatusCode.OK, "Healthy", "2 of 2 relay streams open"), await ReadinessAsync(edge));

        await messages.DisposeAsync();
        var deadline = DateTime.UtcNow + Patience;
        var readiness = await ReadinessAsync(edge);
        while (readiness.Code == HttpStatusCode.OK && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
            readiness = await ReadinessAsync(edge);
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, readiness.Code);
        Assert.Equal("Unhealthy", readiness.Relay);
        Assert.NotEqual("2 of 2 relay streams open", readiness.Description);
    }

    [Fact]
    public async Task An_Edge_whose_MessageService_is_down_listens_after_its_startup_wait_says_so_and_is_not_ready()
    {
        var nowhere = new Uri($"http://127.0.0.1:{TestEnvironment.FreeTcpPort()}");
        var starting = Stopwatch.StartNew();
        await using var edge = await fixture.StartEdgeAsync(nowhere, new Dictionary<string, string?> { ["Relay:StartupWaitMs"] = "1000" });

        Assert.True(starting.Elapsed >= TimeSpan.FromSeconds(1), $"the Edge started after {starting.ElapsedMilliseconds} ms, before its relay wait was over");
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "Unhealthy", "0 of 2 relay streams open"), await ReadinessAsync(edge));
        var notice = Assert.Single(edge.Logs.Entries, e => e.EventId.Id == 3002);
        Assert.Contains("0 of 2 relay streams opened within 1000 ms", notice.Message, StringComparison.Ordinal);
    }

    private static async Task<(HttpStatusCode Code, string? Relay, string? Description)> ReadinessAsync(TestHost edge)
    {
        using var http = new HttpClient { BaseAddress = edge.HttpAddress };
        using var response = await http.GetAsync("/health/ready");
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var relay = body.RootElement.GetProperty("checks").GetProperty("relay");
        return (response.StatusCode, relay.GetProperty("status").GetString(), relay.GetProperty("description").GetString());
    }
}
