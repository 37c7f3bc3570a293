using System.Globalization;

namespace Live.Tools.LoadGen.Measurement;

/// <summary>CPU time and memory of a process, as /proc reports them.</summary>
public readonly record struct ProcessSample(TimeSpan Cpu, long RssBytes, long PeakRssBytes);

/// <summary>Reads /proc: per-process CPU and RSS, machine-wide CPU, load average. Linux only.</summary>
public static class ProcessStats
{
    /// <summary>/proc reports CPU times in USER_HZ, which is 100 on every Linux ABI .NET runs on.</summary>
    private const double TicksPerSecond = 100;

    /// <returns>The sample, or null when the process is gone.</returns>
    public static ProcessSample? Read(int pid)
    {
        try
        {
            var cpu = ParseCpu(File.ReadAllText($"/proc/{pid}/stat"));
            var (rss, peak) = ParseMemory(File.ReadAllText($"/proc/{pid}/status"));
            return new ProcessSample(cpu, rss, peak);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }

    /// <summary>utime + stime from a /proc/&lt;pid&gt;/stat line (fields 14 and 15; the name in parentheses may hold spaces).</summary>
    public static TimeSpan ParseCpu(string stat)
    {
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // fields[0] is field 3 (state), so utime (14) and stime (15) are at 11 and 12.
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / TicksPerSecond);
    }

    /// <summary>VmRSS and VmHWM (peak RSS) from /proc/&lt;pid&gt;/status, in bytes.</summary>
    public static (long Rss, long Peak) ParseMemory(string status)
    {
        long rss = 0, peak = 0;
        foreach (var line in status.Split('\n'))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rss = ParseKb(line);
            }
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                peak = ParseKb(line);
            }
        }

        return (rss, peak);
    }

    /// <summary>Busy and total jiffies of all CPUs together, from the first line of /proc/stat.</summary>
    public static (long Busy, long Total) ReadMachineCpu()
    {
        using var reader = new StreamReader("/proc/stat");
        return ParseMachineCpu(reader.ReadLine() ?? string.Empty);
    }

    public static (long Busy, long Total) ParseMachineCpu(string cpuLine)
    {
        var parts = cpuLine.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        long total = 0, idle = 0;
        for (var i = 1; i < parts.Length && i <= 8; i++)
        {
            var value = long.Parse(parts[i], CultureInfo.InvariantCulture);
            total += value;
            if (i is 4 or 5)
            {
                idle += value; // idle and iowait
            }
        }

        return (total - idle, total);
    }

    /// <summary>The 1, 5 and 15 minute load averages.</summary>
    public static double[] ReadLoadAverage()
    {
        var parts = File.ReadAllText("/proc/loadavg").Split(' ');
        return [double.Parse(parts[0], CultureInfo.InvariantCulture), double.Parse(parts[1], CultureInfo.InvariantCulture),
            double.Parse(parts[2], CultureInfo.InvariantCulture)];
    }

    private static long ParseKb(string line)
    {
        var digits = line.AsSpan(line.IndexOf(':') + 1).Trim();
        var space = digits.IndexOf(' ');
        return long.Parse(space < 0 ? digits : digits[..space], CultureInfo.InvariantCulture) * 1024;
    }
}
