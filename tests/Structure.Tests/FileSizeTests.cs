namespace Live.Structure.Tests;

public sealed class FileSizeTests
{
    private const int MaxLines = 400;

    /// <summary>
    /// A C# file past a few hundred lines holds more than one idea; split it where the ideas part. Generated code
    /// (EF migrations and their snapshots, build output) is exempt: nobody edits it by hand.
    /// </summary>
    [Fact]
    public void No_CSharp_file_outside_generated_code_is_over_400_lines()
    {
        var separator = Path.DirectorySeparatorChar;
        var tooLong = new[] { "src", "tests", "tools", "perf" }
            .Select(folder => Path.Combine(Repository.Root, folder))
            .Where(Directory.Exists)
            .SelectMany(folder => Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories))
            .Where(f => !f.Contains($"{separator}obj{separator}", StringComparison.Ordinal)
                && !f.Contains($"{separator}bin{separator}", StringComparison.Ordinal)
                && !f.Contains($"{separator}Migrations{separator}", StringComparison.Ordinal))
            .Select(f => (Path: Path.GetRelativePath(Repository.Root, f), Lines: File.ReadLines(f).Count()))
            .Where(f => f.Lines > MaxLines)
            .Select(f => $"{f.Path} ({f.Lines})")
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.True(tooLong.Count == 0, $"Over {MaxLines} lines: " + string.Join(", ", tooLong));
    }
}
