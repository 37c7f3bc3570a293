namespace Live.Structure.Tests;

public sealed class RedisScriptTests
{
    /// <summary>Scripts live in .lua files (read with EmbeddedLuaScript), where they read and lint as Lua.</summary>
    [Fact]
    public void No_Redis_script_is_written_inside_a_CSharp_file()
    {
        var inline = Directory.EnumerateFiles(Path.Combine(Repository.Root, "src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Where(f => File.ReadAllText(f).Contains("redis.call(", StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(Repository.Root, f))
            .ToList();

        Assert.True(inline.Count == 0, "Lua inside C# (move it to an embedded .lua file): " + string.Join(", ", inline));
    }
}
