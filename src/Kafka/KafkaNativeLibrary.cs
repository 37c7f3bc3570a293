using System.Reflection;
using System.Runtime.InteropServices;

namespace Live.Kafka;

/// <summary>
/// Points Confluent.Kafka at a librdkafka build that loads on this host. The default linux-x64 build in
/// librdkafka.redist links libsasl2.so.3, which Debian 12 lacks; the centos8 build in the same package
/// has no such dependency. The first one that loads wins.
/// </summary>
public static class KafkaNativeLibrary
{
    private static readonly Lock Gate = new();
    private static IntPtr handle;

    public static IntPtr Load(string? explicitPath = null)
    {
        lock (Gate)
        {
            if (handle != IntPtr.Zero)
            {
                return handle;
            }

            handle = LoadFirstWorking(explicitPath);
            NativeLibrary.SetDllImportResolver(typeof(Confluent.Kafka.Library).Assembly, Resolve);
            return handle;
        }
    }

    private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath) =>
        libraryName.Contains("rdkafka", StringComparison.Ordinal) ? handle : IntPtr.Zero;

    private static IntPtr LoadFirstWorking(string? explicitPath)
    {
        var nativeDir = Path.Combine(AppContext.BaseDirectory, "runtimes", RuntimeInformation.RuntimeIdentifier.StartsWith("linux-arm64", StringComparison.Ordinal) ? "linux-arm64" : "linux-x64", "native");
        string[] candidates = explicitPath is { Length: > 0 }
            ? [explicitPath]
            : [Path.Combine(nativeDir, "librdkafka.so"), Path.Combine(nativeDir, "centos8-librdkafka.so"), "librdkafka.so.1", "librdkafka"];

        var errors = new List<string>();
        foreach (var candidate in candidates)
        {
            try
            {
                return NativeLibrary.Load(candidate);
            }
            catch (DllNotFoundException ex)
            {
                errors.Add(ex.Message.Split('\n')[0]);
            }
        }

        throw new DllNotFoundException("No librdkafka build could be loaded: " + string.Join("; ", errors));
    }
}
