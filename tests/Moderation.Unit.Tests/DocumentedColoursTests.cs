using System.Text.RegularExpressions;

namespace Live.Moderation.Unit.Tests;

/// <summary>
/// Clients learn the allowed danmaku colours from docs/protocol.md; the defaults live in ModerationOptions.
/// This keeps the two from drifting apart.
/// </summary>
public sealed partial class DocumentedColoursTests
{
    private const string Heading = "### Allowed colours";

    [Fact]
    public void The_protocol_doc_lists_exactly_the_default_allowed_colours_in_order()
    {
        var protocol = File.ReadAllText(Path.Combine(RepoRoot(), "docs", "protocol.md"));
        var start = protocol.IndexOf(Heading, StringComparison.Ordinal);
        Assert.True(start >= 0, $"docs/protocol.md has no '{Heading}' section");
        var section = protocol[(start + Heading.Length)..];
        var end = section.IndexOf("\n#", StringComparison.Ordinal);
        if (end >= 0)
        {
            section = section[..end];
        }

        var documented = TableColour().Matches(section).Select(m => m.Groups[1].Value).ToArray();
        Assert.Equal(new ModerationOptions().AllowedColors, documented);
    }

    /// <summary>A table row whose first cell is a colour in backticks: <c>| `#FFFFFF` | white |</c>.</summary>
    [GeneratedRegex(@"^\|\s*`(#[0-9A-Fa-f]{6})`\s*\|", RegexOptions.Multiline)]
    private static partial Regex TableColour();

    private static string RepoRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Platform.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Platform.sln not found above " + AppContext.BaseDirectory);
    }
}
