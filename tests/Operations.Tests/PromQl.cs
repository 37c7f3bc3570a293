using System.Text.Json;
using System.Text.RegularExpressions;

namespace Live.Operations.Tests;

/// <summary>The metric names a PromQL expression reads, and the expressions of the Grafana dashboards.</summary>
public static partial class PromQl
{
    private static readonly HashSet<string> Keywords = new(StringComparer.Ordinal)
    {
        "by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool", "offset", "inf", "nan",
    };

    /// <summary>
    /// Identifiers that are not functions, keywords, label names (in matchers or grouping) or Grafana variables:
    /// the metric names. Strings, matchers, ranges and grouping lists are removed first.
    /// </summary>
    public static IReadOnlySet<string> MetricNames(string expression)
    {
        var text = StringLiteral().Replace(expression, " ");
        text = GrafanaVariable().Replace(text, " ");
        text = Matchers().Replace(text, " ");
        text = Range().Replace(text, " ");
        text = Grouping().Replace(text, " ");
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (Match match in Identifier().Matches(text))
        {
            var name = match.Groups[1].Value;
            if (!Keywords.Contains(name.ToLowerInvariant()))
            {
                names.Add(name);
            }
        }

        return names;
    }

    /// <summary>Every query of every dashboard under deploy/grafana (panel targets and query variables), with where it is.</summary>
    public static IEnumerable<(string Where, string Expression)> DashboardExpressions()
    {
        foreach (var file in Directory.GetFiles(ExternalTools.RepoPath("deploy", "grafana"), "*.json").Order(StringComparer.Ordinal))
        {
            using var document = JsonDocument.Parse(File.ReadAllText(file));
            var name = Path.GetFileName(file);
            foreach (var panel in Panels(document.RootElement))
            {
                if (panel.TryGetProperty("targets", out var targets))
                {
                    foreach (var target in targets.EnumerateArray())
                    {
                        if (target.TryGetProperty("expr", out var expr))
                        {
                            yield return ($"{name}: panel '{Title(panel)}'", expr.GetString()!);
                        }
                    }
                }
            }

            if (document.RootElement.TryGetProperty("templating", out var templating))
            {
                foreach (var variable in templating.GetProperty("list").EnumerateArray())
                {
                    if (variable.GetProperty("type").GetString() == "query")
                    {
                        var query = variable.GetProperty("query");
                        var text = query.ValueKind == JsonValueKind.Object ? query.GetProperty("query").GetString()! : query.GetString()!;
                        // label_values(<selector>, <label>): only the selector names a metric.
                        var labelValues = LabelValues().Match(text);
                        yield return ($"{name}: variable '{variable.GetProperty("name").GetString()}'", labelValues.Success ? labelValues.Groups[1].Value : text);
                    }
                }
            }
        }
    }

    private static IEnumerable<JsonElement> Panels(JsonElement container)
    {
        if (!container.TryGetProperty("panels", out var panels))
        {
            yield break;
        }

        foreach (var panel in panels.EnumerateArray())
        {
            yield return panel;
            foreach (var nested in Panels(panel))
            {
                yield return nested;
            }
        }
    }

    private static string Title(JsonElement panel) => panel.TryGetProperty("title", out var title) ? title.GetString() ?? string.Empty : string.Empty;

    [GeneratedRegex("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`")]
    private static partial Regex StringLiteral();

    [GeneratedRegex(@"\$\{[^}]*\}|\$\w+|\[\[\w+\]\]")]
    private static partial Regex GrafanaVariable();

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex Matchers();

    [GeneratedRegex(@"\[[^\]]*\]")]
    private static partial Regex Range();

    [GeneratedRegex(@"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", RegexOptions.IgnoreCase)]
    private static partial Regex Grouping();

    [GeneratedRegex(@"(?<![\w.:])((?>[a-zA-Z_:][a-zA-Z0-9_:]*))(?!\s*\()")]
    private static partial Regex Identifier();

    [GeneratedRegex(@"^\s*label_values\(\s*(.+?)\s*,\s*\w+\s*\)\s*$", RegexOptions.Singleline)]
    private static partial Regex LabelValues();
}
