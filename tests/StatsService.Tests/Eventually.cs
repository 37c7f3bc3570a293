namespace Live.StatsService.Tests;

internal static class Eventually
{
    /// <summary>
    /// Reads until the value satisfies <paramref name="done"/> (the pipeline is asynchronous: Kafka, then the batch,
    /// then the ranker's next round); returns the last value read so the caller asserts on it either way.
    /// </summary>
    public static async Task<T> ReadAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var value = await read();
            if (done(value) || DateTime.UtcNow > deadline)
            {
                return value;
            }

            await Task.Delay(100);
        }
    }
}
