using Live.Tools.LoadGen;
using Live.Tools.LoadGen.Clients;
using Live.Tools.LoadGen.Measurement;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Live.LoadGen.Tests;

/// <summary>LoadGen's reconnecting viewers (scenario 5): the SDK's backoff, their log, and the options that turn them on.</summary>
public sealed class ReconnectTests
{
    [Fact]
    public void Each_delay_is_uniform_below_a_ceiling_that_doubles_from_500_ms_to_30_s()
    {
        for (var attempt = 0; attempt < 12; attempt++)
        {
            var ceiling = Math.Min(30_000, 500 * Math.Pow(2, attempt));
            var delays = Enumerable.Range(0, 2_000).Select(_ => ReconnectBackoff.Delay(attempt).TotalMilliseconds).ToList();
            Assert.All(delays, d => Assert.InRange(d, 0, ceiling - 1));

            // Full jitter: spread over the whole range, not bunched at the ceiling (a herd would return together).
            Assert.InRange(delays.Average(), ceiling * 0.4, ceiling * 0.6);
            Assert.True(delays.Min() < ceiling * 0.1 && delays.Max() > ceiling * 0.9, $"attempt {attempt}: delays span only {delays.Min()}..{delays.Max()} ms");
        }
    }

    [Fact]
    public void The_log_counts_connections_down_and_back_and_keeps_each_return()
    {
        var log = new ReconnectLog();
        log.ConnectionLost();
        log.ConnectionLost();
        log.AttemptFailed();
        log.Returned(lostAtUnixMs: 1_000, backAtUnixMs: 3_500, attempts: 2);

        Assert.Equal(2, log.Lost);
        Assert.Equal(1, log.Back);
        Assert.Equal(1, log.Down);
        Assert.Equal(1, log.FailedAttempts);
        Assert.Equal(0, log.FirstConnectsFailed);
        Assert.Equal(new ReconnectSample(1_000, 3_500, 2), Assert.Single(log.Samples));
    }

    [Fact]
    public void Reconnecting_and_signed_viewers_are_options_of_the_Edge_target_only()
    {
        var options = LoadOptions.Parse(["--reconnect", "--signed-viewers", "--first-user-id", "800000000", "--until-stdin-closes"]);
        Assert.True(options.Reconnect && options.SignedViewers && options.UntilStdinCloses);
        Assert.Equal(800_000_000, options.FirstUserId);

        var refused = Assert.Throws<ArgumentException>(() => LoadOptions.Parse(["--target", "signalr", "--reconnect"]));
        Assert.Contains("Edge", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_reconnecting_viewer_whose_first_connects_are_refused_tries_again_until_one_is_accepted()
    {
        var builder = WebApplication.CreateSlimBuilder();
        // This project's output holds the SignalR baseline's appsettings.json, whose Kestrel endpoint (port 5116) wins
        // over UseUrls: a free port instead, so the test hosts of this project can run side by side.
        builder.Configuration["Kestrel:Endpoints:Http:Url"] = "http://127.0.0.1:0";
        builder.Logging.ClearProviders();
        await using var app = builder.Build();
        app.UseWebSockets();
        var upgrades = 0;
        var accepted = new TaskCompletionSource();
        app.Map("/ws", async context =>
        {
            // The first two upgrades are refused as an Edge whose relay stream is down refuses them.
            if (Interlocked.Increment(ref upgrades) <= 2)
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                return;
            }

            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            accepted.TrySetResult();
            await socket.ReceiveAsync(new byte[64], context.RequestAborted);
        });
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        var log = new ReconnectLog();
        using var invoker = new HttpMessageInvoker(new SocketsHttpHandler());
        using var recorder = new LatencyRecorder();

        var viewer = await EdgeViewer.ConnectAsync(new Uri($"ws://{address.Authority}/ws?room_id=1"), invoker, () => null, log, roomIndex: 0,
            recorder, new LoadCounters(), contentBytes: 0, new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        await accepted.Task.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(3, upgrades);
        Assert.Equal(2, log.FirstConnectsFailed);
        Assert.Equal(0, log.Lost);
        await viewer.DisposeAsync();
    }
}
