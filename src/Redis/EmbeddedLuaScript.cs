using System.Reflection;

namespace Live.Redis;

/// <summary>
/// Reads the Redis Lua scripts a project embeds (<c>&lt;EmbeddedResource Include="**/*.lua" /&gt;</c>), so each
/// script is a .lua file that reads and lints as Lua. Read each once, into a static field: StackExchange.Redis
/// sends a script's text once and its SHA1 (EVALSHA) after that.
/// </summary>
public static class EmbeddedLuaScript
{
    public const string Extension = ".lua";

    /// <summary>The script <paramref name="fileName"/> in the folder (namespace) of <typeparamref name="TOwner"/>.</summary>
    public static string Read<TOwner>(string fileName) =>
        Read(typeof(TOwner).Assembly, typeof(TOwner).Namespace + "." + fileName);

    /// <summary>The script embedded as <paramref name="resourceName"/>; throws naming the scripts there are when it is missing.</summary>
    public static string Read(Assembly assembly, string resourceName)
    {
        using var stream = assembly.GetManifestResourceStream(resourceName)
            ?? throw new InvalidOperationException(
                $"{assembly.GetName().Name} embeds no Lua script {resourceName}; it embeds: {string.Join(", ", Names(assembly))}.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>The resource names of the Lua scripts <paramref name="assembly"/> embeds, in ordinal order.</summary>
    public static string[] Names(Assembly assembly) =>
        [.. assembly.GetManifestResourceNames().Where(n => n.EndsWith(Extension, StringComparison.Ordinal)).Order(StringComparer.Ordinal)];
}
