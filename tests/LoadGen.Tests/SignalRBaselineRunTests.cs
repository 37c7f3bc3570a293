using Live.Perf.SignalRBaseline;
using Live.Tools.LoadGen;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Live.LoadGen.Tests;

/// <summary>A tiny real run: the load generator against the SignalR baseline on a loopback port in this process.</summary>
public sealed class SignalRBaselineRunTests
{
    [Fact]
    public async Task A_small_run_delivers_every_message_to_every_viewer()
    {
        var builder = WebApplication.CreateSlimBuilder();
        // This project's output holds the SignalR baseline's appsettings.json, whose Kestrel endpoint (port 5116) wins
        // over UseUrls: a free port instead, so the test hosts of this project can run side by side.
        builder.Configuration["Kestrel:Endpoints:Http:Url"] = "http://127.0.0.1:0";
        builder.Logging.ClearProviders();
        builder.Services.AddDanmakuHub();
        await using var app = builder.Build();
        app.MapDanmakuHub();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        var options = new LoadOptions
        {
            Target = LoadTarget.SignalR,
            SignalR = new Uri(address + "/hub"),
            Viewers = 6,
            Senders = 2,
            Rate = 20,
            WarmupSeconds = 1,
            DurationSeconds = 3,
        };
        var report = await LoadRun.RunAsync(options, TextWriter.Null, CancellationToken.None);

        var summary = report.Summary;
        Assert.Equal(6, summary.ViewersLive);
        Assert.InRange(summary.SentPerSecond, 18, 22);
        // A 3 s window on a shared machine: warm-up messages that arrive late land in it, so allow some slack.
        Assert.InRange(summary.DeliveryRatio, 0.7, 1.5);
        Assert.Equal(summary.Deliveries, summary.DeliveryLatencyMs.Count);
        Assert.Equal(summary.Deliveries, summary.EndToEndLatencyMs.Count);
        Assert.InRange(summary.DeliveryLatencyMs.P99, 0, 1_000);
        Assert.Equal(0, summary.SendFailures);
        Assert.Empty(summary.Closes);
        Assert.Equal(4, report.Timeline.Count);
    }
}
