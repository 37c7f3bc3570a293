using SharpFuzz;

namespace Live.Fuzz;

/// <summary>
/// The entry point every fuzz target shares. Under afl-fuzz it hands each input to the target (SharpFuzz's
/// out-of-process runner, so even a stack overflow is reported as a crash); <c>--replay FILE...</c> runs files
/// through the target once each and prints the exception of any that fails; <c>--seeds DIR</c> writes the
/// target's seed corpus, made with our own encoders. A target returns for every input the production caller
/// survives (it catches exactly what that caller catches); anything it throws is a crash. Instrumented code
/// must not run before SharpFuzz's runner has set up afl's coverage map, so
/// a target that needs state (a decompressor, a service container) makes it on its first input.
/// </summary>
public static class FuzzHost
{
    public static int Run(string[] args, Action<byte[]> target, Func<IEnumerable<(string Name, byte[] Bytes)>> seeds)
    {
        if (args is ["--seeds", var directory])
        {
            Directory.CreateDirectory(directory);
            foreach (var (name, bytes) in seeds())
            {
                File.WriteAllBytes(Path.Combine(directory, name), bytes);
            }

            return 0;
        }

        if (args is ["--replay", .. var files] && files.Length > 0)
        {
            return Replay(files, target);
        }

        if (args.Length != 0)
        {
            Console.Error.WriteLine("usage: (under afl-fuzz, no arguments) | --replay FILE... | --seeds DIR");
            return 2;
        }

        Fuzzer.OutOfProcess.Run(stream =>
        {
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            target(copy.ToArray());
        });
        return 0;
    }

    private static int Replay(string[] files, Action<byte[]> target)
    {
        var failed = 0;
        foreach (var file in files)
        {
            try
            {
                target(File.ReadAllBytes(file));
                Console.WriteLine($"ok: {file}");
            }
            catch (Exception ex)
            {
                failed++;
                Console.WriteLine($"CRASH: {file}");
                Console.WriteLine(ex);
            }
        }

        return failed == 0 ? 0 : 1;
    }
}
