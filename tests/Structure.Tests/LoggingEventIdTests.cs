using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;

namespace Live.Structure.Tests;

/// <summary>
/// Every [LoggerMessage] of src/ has an event id in its project's range from docs/logging.md, used once, and
/// is written by something.
/// </summary>
public sealed partial class LoggingEventIdTests
{
    private const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly;

    private static readonly IReadOnlyList<EventIdRange> Ranges = ReadRanges(Path.Combine(Repository.Root, "docs", "logging.md"));

    [Fact]
    public void The_ranges_name_projects_in_src_and_do_not_overlap()
    {
        Assert.NotEmpty(Ranges);
        var assemblies = Repository.SourceProjects.Select(p => p.AssemblyName).ToHashSet(StringComparer.Ordinal);
        foreach (var range in Ranges)
        {
            Assert.True(assemblies.Contains(range.AssemblyName), $"docs/logging.md gives a range to {range.AssemblyName}, which no project under src/ builds.");
            Assert.True(range.First <= range.Last, $"{range.AssemblyName}'s range {range.First}–{range.Last} is empty.");
        }

        var ordered = Ranges.OrderBy(r => r.First).ToList();
        for (var i = 1; i < ordered.Count; i++)
        {
            Assert.True(ordered[i].First > ordered[i - 1].Last,
                $"{ordered[i - 1].AssemblyName} ({ordered[i - 1].First}–{ordered[i - 1].Last}) and {ordered[i].AssemblyName} ({ordered[i].First}–{ordered[i].Last}) overlap.");
        }
    }

    [Fact]
    public void Every_event_id_is_in_its_projects_range_and_used_once()
    {
        var problems = new List<string>();
        var checkedMessages = 0;
        foreach (var project in Repository.SourceProjects)
        {
            var messages = LogMessages(project.Load());
            if (messages.Count == 0)
            {
                continue;
            }

            checkedMessages += messages.Count;

            var range = Ranges.FirstOrDefault(r => r.AssemblyName == project.AssemblyName);
            if (range is null)
            {
                problems.Add($"{project.AssemblyName} logs, but docs/logging.md gives it no range.");
                continue;
            }

            foreach (var (method, id) in messages)
            {
                if (id < range.First || id > range.Last)
                {
                    problems.Add($"{Name(method)} has event id {id}, outside {project.AssemblyName}'s {range.First}–{range.Last}.");
                }
            }

            foreach (var shared in messages.GroupBy(m => m.Id).Where(g => g.Count() > 1))
            {
                problems.Add($"event id {shared.Key} is used by {string.Join(" and ", shared.Select(m => Name(m.Method)))}.");
            }
        }

        Assert.True(checkedMessages > 0, "no [LoggerMessage] method was found in src/: the reflection no longer sees them.");
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public void Every_log_message_is_written_somewhere()
    {
        var unused = new List<string>();
        foreach (var project in Repository.SourceProjects)
        {
            var assembly = project.Load();
            var messages = LogMessages(assembly);
            if (messages.Count == 0)
            {
                continue;
            }

            var called = CalledMethods.In(assembly);
            unused.AddRange(messages.Where(m => !called.Contains(m.Method.MetadataToken)).Select(m => Name(m.Method)));
        }

        Assert.True(unused.Count == 0, "Log messages nothing writes (delete them): " + string.Join(", ", unused));
    }

    private static List<(MethodInfo Method, int Id)> LogMessages(Assembly assembly) =>
        [.. assembly.GetTypes()
            .SelectMany(t => t.GetMethods(Declared))
            .Select(m => (Method: m, Attribute: m.GetCustomAttribute<LoggerMessageAttribute>()))
            .Where(m => m.Attribute is not null)
            .Select(m => (m.Method, m.Attribute!.EventId))];

    private static string Name(MethodInfo method) => $"{method.DeclaringType!.FullName}.{method.Name}";

    private static List<EventIdRange> ReadRanges(string path)
    {
        var ranges = new List<EventIdRange>();
        foreach (var line in File.ReadLines(path))
        {
            if (RangeRow().Match(line) is { Success: true } row)
            {
                ranges.Add(new EventIdRange(row.Groups["assembly"].Value, int.Parse(row.Groups["first"].Value, CultureInfo.InvariantCulture), int.Parse(row.Groups["last"].Value, CultureInfo.InvariantCulture)));
            }
        }

        return ranges;
    }

    /// <summary>A row of the table: | `Assembly.Name` | first–last |</summary>
    [GeneratedRegex(@"^\|\s*`(?<assembly>[\w.]+)`\s*\|\s*(?<first>\d+)\s*[–-]\s*(?<last>\d+)\s*\|\s*$")]
    private static partial Regex RangeRow();

    private sealed record EventIdRange(string AssemblyName, int First, int Last);
}
