using System.Diagnostics;
using Google.Protobuf;
using Live.Edge;
using Live.Edge.Connections;
using Live.Edge.Identity;
using Live.Edge.Telemetry;
using Live.Protocol;
using Microsoft.Extensions.Options;

namespace Live.Realtime.Unit.Tests;

public sealed class ConnectionSweepTests : IDisposable
{
    private readonly TestMeterFactory meters = new();
    private readonly EdgeMetrics metrics;
    private readonly EdgeOptions options = new() { CloseTimeoutMs = 100 };

    public ConnectionSweepTests() => metrics = new EdgeMetrics(meters, Options.Create(options));

    /// <summary>
    /// The sweeper drops connections whose close did not finish in time; by then the request may have ended and
    /// its HttpContext been disposed (Abort then throws). Under 10,000 viewers that exception stopped the Edge.
    /// </summary>
    [Fact]
    public void A_close_that_outlived_its_request_is_swept_without_an_exception()
    {
        var socket = new ScriptedSocket();
        var connection = new EdgeConnection(socket, () => throw new ObjectDisposedException("Collection"),
            new ConnectionIdentity(7, "amy", 0, ByteString.Empty), TestFrames.RoomId, ClientFormat.Binary, options, metrics, new RecordingUplink());
        connection.RequestClose(CloseCodes.Normal, "bye");
        var afterTheTimeout = Stopwatch.GetTimestamp() + 2 * options.CloseTimeoutMs * Stopwatch.Frequency / 1000;
        var heartbeat = new OutgoingFrame(FrameWriter.EncodeControl(FrameType.Heartbeat, 0, 0, 0), default, 0, 0, isBatch: false, hasPriority: false);

        var thrown = Record.Exception(() => connection.Sweep(afterTheTimeout, heartbeat));

        Assert.Null(thrown);
        Assert.True(socket.Aborted);
    }

    public void Dispose()
    {
        metrics.Dispose();
        meters.Dispose();
    }
}
