namespace Live.V1;

/// <summary>How a notice in a user's inbox names how long an action lasts (a timeout, a ban).</summary>
public static class InboxDurations
{
    /// <summary>"10 minutes", "2 hours", "7 days"; seconds when no larger unit divides the duration.</summary>
    public static string Describe(long seconds) => seconds switch
    {
        _ when seconds % 86_400 == 0 => Plural(seconds / 86_400, "day"),
        _ when seconds % 3_600 == 0 => Plural(seconds / 3_600, "hour"),
        _ when seconds % 60 == 0 => Plural(seconds / 60, "minute"),
        _ => Plural(seconds, "second"),
    };

    private static string Plural(long count, string unit) => count == 1 ? $"1 {unit}" : $"{count} {unit}s";
}
