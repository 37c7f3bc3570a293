using System.Text.RegularExpressions;

namespace Live.Operations.Tests;

/// <summary>The alert rules in deploy/prometheus: valid for Prometheus, unit-tested with promtool, and operable.</summary>
public sealed partial class AlertRuleTests
{
    [Fact]
    public async Task PromtoolAcceptsTheRuleFiles()
    {
        var (exitCode, output) = await ExternalTools.RunAsync(ExternalTools.Promtool, ["check", "rules", .. AlertRules.RuleFiles], TimeSpan.FromMinutes(1));
        Assert.True(exitCode == 0, output);
    }

    [Fact]
    public async Task PromtoolUnitTestsPass()
    {
        var (exitCode, output) = await ExternalTools.RunAsync(ExternalTools.Promtool, ["test", "rules", .. AlertRules.TestFiles], TimeSpan.FromMinutes(2));
        Assert.True(exitCode == 0, output);
        Assert.Contains("SUCCESS", output, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryAlertHasAUnitTestThatFiresItAndOneThatDoesNot()
    {
        var coverage = AlertRules.UnitTestCoverage();
        var missing = AlertRules.All()
            .Where(r => r.Labels.ContainsKey("severity"))
            .Select(r => r.Name)
            .Where(name => coverage.GetValueOrDefault(name) is not (true, true))
            .ToList();
        Assert.True(missing.Count == 0, "alerts without a firing and a quiet promtool case: " + string.Join(", ", missing));
    }

    [Fact]
    public void EveryAlertWaitsHasASeverityAndARunbookSectionInOperationsMd()
    {
        var operations = File.ReadAllText(ExternalTools.RepoPath("docs", "operations.md"));
        var anchors = Heading().Matches(operations).Select(m => Anchor(m.Groups[1].Value)).ToHashSet(StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var rule in AlertRules.All())
        {
            if (rule.For is null)
            {
                problems.Add($"{rule.Name}: no for:");
            }

            if (rule.Labels.GetValueOrDefault("severity") is not ("critical" or "warning" or "info"))
            {
                problems.Add($"{rule.Name}: severity must be critical, warning or info");
            }

            var runbook = rule.Annotations.GetValueOrDefault("runbook_url") ?? string.Empty;
            if (!runbook.StartsWith("docs/operations.md#", StringComparison.Ordinal) || !anchors.Contains(runbook[(runbook.IndexOf('#') + 1)..]))
            {
                problems.Add($"{rule.Name}: runbook_url '{runbook}' is not a section of docs/operations.md");
            }

            if (!rule.Annotations.ContainsKey("summary") || !rule.Annotations.ContainsKey("description"))
            {
                problems.Add($"{rule.Name}: summary and description annotations are required");
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    /// <summary>GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens.</summary>
    private static string Anchor(string heading) =>
        NotAnchorCharacter().Replace(heading.Trim().ToLowerInvariant(), string.Empty).Replace(' ', '-');

    [GeneratedRegex(@"^#{1,6}\s+(.+)$", RegexOptions.Multiline)]
    private static partial Regex Heading();

    [GeneratedRegex(@"[^a-z0-9 _-]")]
    private static partial Regex NotAnchorCharacter();
}
