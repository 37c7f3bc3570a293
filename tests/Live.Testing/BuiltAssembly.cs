namespace Live.Testing;

/// <summary>Where a project of the repository put its build output, in the configuration the tests were built in.</summary>
public static class BuiltAssembly
{
    /// <param name="project">The project's folder from the repository's root (e.g. "src/Edge", "tools/LoadGen").</param>
    /// <param name="assembly">Its assembly's name (e.g. "Live.Edge").</param>
    public static string PathOf(string project, string assembly)
    {
        // tests/<Tests>/bin/<Configuration>/net10.0 → <project>/bin/<Configuration>/net10.0
        var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = testBin.Parent!.Name;
        var root = testBin.Parent!.Parent!.Parent!.Parent!.Parent!.FullName;
        return Path.Combine(root, project, "bin", configuration, "net10.0", assembly + ".dll");
    }
}
