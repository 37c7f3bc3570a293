namespace Live.Tools.LoadGen.Measurement;

/// <summary>Wall-clock time in Unix microseconds: the servers stamp messages with the same machine clock.</summary>
public static class Clock
{
    public static long NowMicros() => (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerMicrosecond;
}
