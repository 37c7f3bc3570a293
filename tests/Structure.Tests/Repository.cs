using System.Reflection;
using System.Xml.Linq;

namespace Live.Structure.Tests;

/// <summary>The repository these tests were built from, and the projects under its src/.</summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    /// <summary>Each project under src/ with the name of the assembly it builds.</summary>
    public static IReadOnlyList<SourceProject> SourceProjects { get; } = FindSourceProjects();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Platform.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No Platform.sln above {AppContext.BaseDirectory}: these tests read the repository they were built from.");
    }

    private static List<SourceProject> FindSourceProjects()
    {
        var projects = new List<SourceProject>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Root, "src"), "*.csproj", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var assemblyName = XDocument.Load(file).Descendants("AssemblyName").FirstOrDefault()?.Value
                ?? Path.GetFileNameWithoutExtension(file);
            projects.Add(new SourceProject(Path.GetRelativePath(Root, file), assemblyName));
        }

        return projects;
    }
}

internal sealed record SourceProject(string Path, string AssemblyName)
{
    public Assembly Load()
    {
        try
        {
            return Assembly.Load(AssemblyName);
        }
        catch (FileNotFoundException)
        {
            throw new InvalidOperationException($"{Path} is not referenced by tests/Structure.Tests: add it, so its assembly is checked too.");
        }
    }
}
