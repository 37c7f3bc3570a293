using System.Diagnostics;
using Live.Edge.Connections;
using Live.Edge.Telemetry;
using Live.Protocol;
using Live.ServiceDefaults.Identity;
using Microsoft.Extensions.Options;

namespace Live.Edge.Passes;

/// <summary>
/// Makes the room pass frames signed-in connections get (docs/commerce.md, "Who may buy"): one when the
/// connection goes live, then a fresh one at half of the pass's lifetime, from the sweeper's existing tick.
/// Without RoomPass:Key it issues nothing.
/// </summary>
public sealed class RoomPassIssuer
{
    private readonly byte[]? key;
    private readonly int lifetimeSeconds;
    private readonly TimeProvider time;

    public RoomPassIssuer(IOptions<RoomPassOptions> options, TimeProvider time, ILogger<RoomPassIssuer> logger)
    {
        key = options.Value.KeyBytes();
        lifetimeSeconds = options.Value.LifetimeSeconds;
        this.time = time;
        RefreshTicks = lifetimeSeconds * Stopwatch.Frequency / 2;
        if (key is null)
        {
            Log.RoomPassesDisabled(logger);
        }
    }

    public bool Enabled => key is not null;

    /// <summary>Stopwatch ticks after which a connection gets its next pass: half a lifetime.</summary>
    public long RefreshTicks { get; }

    /// <summary>A pass frame for this user in this room, valid for the configured lifetime from now.</summary>
    public OutgoingFrame Issue(long userId, long roomId)
    {
        var now = time.GetUtcNow();
        var expires = now.ToUnixTimeSeconds() + lifetimeSeconds;
        var pass = RoomPass.Create(key!, userId, roomId, expires);
        return OutgoingFrame.Control(FrameWriter.EncodeRoomPass(now.ToUnixTimeMilliseconds(), userId, roomId, expires * 1000, pass));
    }
}
