using System.Globalization;
using Live.Tools.LoadGen.Measurement;

namespace Live.Tools.LoadGen.Clients;

/// <summary>Clients of the SignalR baseline: rooms are group names, users are names in the query (the baseline has no auth).</summary>
public sealed class SignalRClients(LoadOptions options, LatencyRecorder recorder, LoadCounters counters) : IClientFactory
{
    private readonly string runId = DateTime.UtcNow.ToString("HHmmss", CultureInfo.InvariantCulture);

    public IReadOnlyList<string> RoomNames => Enumerable.Range(0, options.Rooms).Select(RoomName).ToArray();

    public Task SetupAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task<IViewer> ConnectAsync(int index, int roomIndex, bool isSender, CancellationToken cancellationToken) =>
        await SignalRViewer.ConnectAsync(options.SignalR, RoomName(roomIndex), $"load-{index}", roomIndex, recorder, counters, options.ContentBytes,
            cancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>A fresh group per run, so no connection left over from an earlier run receives its traffic.</summary>
    private string RoomName(int roomIndex) => $"run-{runId}-room-{roomIndex + 1}";
}
