using YamlDotNet.RepresentationModel;

namespace Live.Operations.Tests;

/// <summary>The alert rules of deploy/prometheus/rules and the unit tests of deploy/prometheus/tests, as written.</summary>
public static class AlertRules
{
    public static string RulesDirectory => ExternalTools.RepoPath("deploy", "prometheus", "rules");
    public static string TestsDirectory => ExternalTools.RepoPath("deploy", "prometheus", "tests");

    public static IReadOnlyList<string> RuleFiles => [.. Directory.GetFiles(RulesDirectory, "*.yml").Order(StringComparer.Ordinal)];
    public static IReadOnlyList<string> TestFiles => [.. Directory.GetFiles(TestsDirectory, "*.yml").Order(StringComparer.Ordinal)];

    public sealed record Rule(string Name, string Expression, string? For, IReadOnlyDictionary<string, string> Labels, IReadOnlyDictionary<string, string> Annotations);

    public static IReadOnlyList<Rule> All()
    {
        var rules = new List<Rule>();
        foreach (var file in RuleFiles)
        {
            foreach (YamlMappingNode group in (YamlSequenceNode)Load(file)["groups"])
            {
                foreach (YamlMappingNode rule in (YamlSequenceNode)group["rules"])
                {
                    var name = Scalar(rule, "alert") ?? Scalar(rule, "record") ?? throw new InvalidDataException($"{file}: a rule with neither alert nor record");
                    rules.Add(new Rule(name, Scalar(rule, "expr") ?? string.Empty, Scalar(rule, "for"), Map(rule, "labels"), Map(rule, "annotations")));
                }
            }
        }

        return rules;
    }

    /// <summary>For each alert name: whether some unit test expects it to fire, and whether some test expects it quiet.</summary>
    public static Dictionary<string, (bool Fires, bool Quiet)> UnitTestCoverage()
    {
        var coverage = new Dictionary<string, (bool Fires, bool Quiet)>(StringComparer.Ordinal);
        foreach (var file in TestFiles)
        {
            foreach (YamlMappingNode test in (YamlSequenceNode)Load(file)["tests"])
            {
                if (!test.Children.TryGetValue(new YamlScalarNode("alert_rule_test"), out var cases))
                {
                    continue;
                }

                foreach (YamlMappingNode check in (YamlSequenceNode)cases)
                {
                    var name = Scalar(check, "alertname")!;
                    var fires = check.Children.TryGetValue(new YamlScalarNode("exp_alerts"), out var expected) && expected is YamlSequenceNode { Children.Count: > 0 };
                    var (wasFiring, wasQuiet) = coverage.GetValueOrDefault(name);
                    coverage[name] = (wasFiring || fires, wasQuiet || !fires);
                }
            }
        }

        return coverage;
    }

    public static TimeSpan ParseDuration(string duration)
    {
        var value = double.Parse(duration[..^1], System.Globalization.CultureInfo.InvariantCulture);
        return duration[^1] switch
        {
            's' => TimeSpan.FromSeconds(value),
            'm' => TimeSpan.FromMinutes(value),
            'h' => TimeSpan.FromHours(value),
            _ => throw new FormatException($"unsupported duration {duration}"),
        };
    }

    private static YamlMappingNode Load(string file)
    {
        using var reader = new StreamReader(file);
        var stream = new YamlStream();
        stream.Load(reader);
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? ((YamlScalarNode)value).Value : null;

    private static Dictionary<string, string> Map(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value)
            ? ((YamlMappingNode)value).Children.ToDictionary(e => ((YamlScalarNode)e.Key).Value!, e => ((YamlScalarNode)e.Value).Value ?? string.Empty, StringComparer.Ordinal)
            : new Dictionary<string, string>(StringComparer.Ordinal);
}
