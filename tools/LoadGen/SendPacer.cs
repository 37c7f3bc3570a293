using System.Diagnostics;
using Live.Tools.LoadGen.Clients;
using Live.Tools.LoadGen.Measurement;

namespace Live.Tools.LoadGen;

/// <summary>
/// One thread sends for every sender: each millisecond it starts the sends that are due at the total rate,
/// round-robin over the senders (so every room gets its share), and every 15 s a heartbeat for every viewer.
/// A sender still busy with its previous send is passed over (counted); when all are busy the due sends are
/// skipped, so the offered rate shows in "sent" rather than being made up later in a burst.
/// </summary>
public sealed class SendPacer
{
    /// <summary>Below the Edge's idle timeout (60 s) with room to spare, as the SDK's.</summary>
    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(15);

    private readonly IViewer[] senders;
    private readonly IReadOnlyList<IViewer> viewers;
    private readonly double rate;
    private readonly LoadCounters counters;
    private readonly long[] sentPerRoom;
    private readonly Thread thread;
    private volatile bool stopped;

    public SendPacer(IViewer[] senders, IReadOnlyList<IViewer> viewers, double rate, int rooms, LoadCounters counters)
    {
        this.senders = senders;
        this.viewers = viewers;
        this.rate = senders.Length == 0 ? 0 : rate;
        this.counters = counters;
        sentPerRoom = new long[rooms];
        thread = new Thread(Run) { IsBackground = true, Name = "load sender" };
    }

    /// <summary>A snapshot of the messages sent so far into each room.</summary>
    public long[] SentPerRoom()
    {
        var copy = new long[sentPerRoom.Length];
        for (var i = 0; i < copy.Length; i++)
        {
            copy[i] = Volatile.Read(ref sentPerRoom[i]);
        }

        return copy;
    }

    public void Start() => thread.Start();

    public void Stop()
    {
        stopped = true;
        thread.Join();
    }

    private void Run()
    {
        var started = Stopwatch.GetTimestamp();
        var lastHeartbeat = started;
        long scheduled = 0;
        var next = 0;
        while (!stopped)
        {
            var now = Stopwatch.GetTimestamp();
            var due = (long)(Stopwatch.GetElapsedTime(started, now).TotalSeconds * rate);
            var sendMicros = Clock.NowMicros();
            while (scheduled < due)
            {
                var sent = false;
                for (var attempt = 0; attempt < senders.Length && !sent; attempt++)
                {
                    var sender = senders[next];
                    next = (next + 1) % senders.Length;
                    sent = sender.TrySend(sendMicros, scheduled);
                    if (sent)
                    {
                        Volatile.Write(ref sentPerRoom[sender.RoomIndex], sentPerRoom[sender.RoomIndex] + 1);
                    }
                    else
                    {
                        counters.SendSkippedBusy();
                    }
                }

                if (!sent)
                {
                    scheduled = due;
                    break;
                }

                scheduled++;
            }

            if (Stopwatch.GetElapsedTime(lastHeartbeat, now) >= HeartbeatInterval)
            {
                lastHeartbeat = now;
                foreach (var viewer in viewers)
                {
                    viewer.SendHeartbeat();
                }
            }

            Thread.Sleep(1);
        }
    }
}
