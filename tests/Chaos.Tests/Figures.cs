using System.Globalization;

namespace Live.Chaos.Tests;

/// <summary>
/// Figures a scenario measured (recovery times, queue peaks), written to the test log and appended to
/// chaos-figures.txt beside the test assembly, for docs/reliability.md. They are smoke figures on a busy machine.
/// </summary>
public static class Figures
{
    private static readonly object Gate = new();
    private static readonly string FilePath = Path.Combine(AppContext.BaseDirectory, "chaos-figures.txt");

    public static void Record(string what, TimeSpan elapsed) => Record(what, elapsed.TotalMilliseconds.ToString("F0", CultureInfo.InvariantCulture) + " ms");

    public static void Record(string what, string value)
    {
        var line = $"{DateTime.UtcNow:O} {what}: {value}";
        lock (Gate)
        {
            File.AppendAllLines(FilePath, [line]);
        }

        Console.WriteLine("[chaos] " + what + ": " + value);
    }
}
