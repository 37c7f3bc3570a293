namespace Live.Chaos.Tests;

/// <summary>A long variant of a scenario: runs only with LIVE_CHAOS_SOAK=1, so ./platform test stays short.</summary>
public sealed class SoakFactAttribute : FactAttribute
{
    public SoakFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("LIVE_CHAOS_SOAK") != "1")
        {
            Skip = "a soak variant: set LIVE_CHAOS_SOAK=1 to run it";
        }
    }
}
