using System.ComponentModel.DataAnnotations;
using System.Threading.Channels;
using Grpc.Core;
using Live.ServiceClients;
using Live.MessageService.Telemetry;
using Live.ServiceDefaults.Hosting;
using Live.V1;
using Microsoft.Extensions.Options;

namespace Live.MessageService.Gifts;

/// <summary>
/// Display names of gift senders, for gifts a service sent on a user's behalf (that call carries no name).
/// Lookups that miss the cache wait in a bounded queue, and one loop asks UserService for up to 500 of them in one
/// GetUsers call. Names are cached (bounded, with a TTL). A lookup that fails or takes too long answers the empty
/// name: the gift is paid for and is shown either way.
/// </summary>
public sealed class SenderNames(
    Live.V1.UserService.UserServiceClient users,
    IOptions<SenderNameOptions> options,
    TimeProvider time,
    ILogger<SenderNames> logger) : BackgroundService
{
    private const int MaxPerCall = 500;

    private readonly SenderNameOptions settings = options.Value;
    private readonly Channel<Lookup> lookups = Channel.CreateBounded<Lookup>(
        new BoundedChannelOptions(options.Value.MaxWaitingLookups) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    private readonly Lock gate = new();
    private readonly Dictionary<long, Entry> cache = [];

    /// <returns>The user's display name; empty when UserService does not know the user or did not answer in time.</returns>
    public async ValueTask<string> GetAsync(long userId, CancellationToken cancellationToken)
    {
        var now = time.GetTimestamp();
        lock (gate)
        {
            if (cache.TryGetValue(userId, out var entry) && entry.ExpiresAt > now)
            {
                return entry.Name;
            }
        }

        var lookup = new Lookup(userId, new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!lookups.Writer.TryWrite(lookup))
        {
            Log.SenderNameFailed(logger, userId, "too many lookups waiting");
            return string.Empty;
        }

        try
        {
            return await lookup.Name.Task.WaitAsync(TimeSpan.FromMilliseconds(settings.LookupTimeoutMs), time, cancellationToken);
        }
        catch (TimeoutException)
        {
            Log.SenderNameFailed(logger, userId, $"no answer within {settings.LookupTimeoutMs} ms");
            return string.Empty;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<Lookup>();
        var ids = new HashSet<long>();
        try
        {
            while (await lookups.Reader.WaitToReadAsync(stoppingToken))
            {
                batch.Clear();
                ids.Clear();
                while (ids.Count < MaxPerCall && lookups.Reader.TryRead(out var lookup))
                {
                    batch.Add(lookup);
                    ids.Add(lookup.UserId);
                }

                var names = await FetchAsync(ids, stoppingToken);
                foreach (var lookup in batch)
                {
                    lookup.Name.TrySetResult(names.GetValueOrDefault(lookup.UserId, string.Empty));
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: waiting lookups end at their timeout with the empty name.
        }
    }

    private async Task<Dictionary<long, string>> FetchAsync(HashSet<long> ids, CancellationToken stoppingToken)
    {
        var names = new Dictionary<long, string>(ids.Count);
        var request = new GetUsersRequest();
        request.UserIds.AddRange(ids);
        try
        {
            var response = await users.GetUsersAsync(request, deadline: DateTime.UtcNow.AddMilliseconds(settings.LookupTimeoutMs), cancellationToken: stoppingToken);
            foreach (var user in response.Users)
            {
                names[user.UserId] = user.DisplayName;
            }
        }
        catch (RpcException ex) when (!stoppingToken.IsCancellationRequested)
        {
            Log.SenderNameFailed(logger, ids.First(), $"GetUsers for {ids.Count} user(s) failed: {ex.StatusCode}: {ex.Status.Detail}");
            return names;
        }

        var expiresAt = time.GetTimestamp() + settings.TtlSeconds * time.TimestampFrequency;
        lock (gate)
        {
            if (cache.Count + names.Count > settings.MaxCachedNames)
            {
                // Full: forget everything rather than track recency on every hit; names come back one call at a time.
                cache.Clear();
            }

            foreach (var (userId, name) in names)
            {
                cache[userId] = new Entry(name, expiresAt);
            }
        }

        return names;
    }

    private sealed record Lookup(long UserId, TaskCompletionSource<string> Name);

    private readonly record struct Entry(string Name, long ExpiresAt);
}

public sealed class SenderNameOptions
{
    public const string Section = "SenderNames";

    /// <summary>How long a looked-up name is used before it is looked up again (display names can change).</summary>
    [Range(1, 86_400)]
    public int TtlSeconds { get; set; } = 300;

    [Range(1, 10_000_000)]
    public int MaxCachedNames { get; set; } = 100_000;

    /// <summary>Lookups waiting for the next GetUsers call at most; beyond it a gift is shown without a name.</summary>
    [Range(1, 1_000_000)]
    public int MaxWaitingLookups { get; set; } = 10_000;

    /// <summary>A lookup not answered in this time shows the gift without a name.</summary>
    [Range(10, 60_000)]
    public int LookupTimeoutMs { get; set; } = 1_000;
}

public static class SenderNameExtensions
{
    /// <summary>The name lookups, over the UserService client at <c>Services:UserService</c>.</summary>
    public static IServiceCollection AddSenderNames(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddUserServiceClient(configuration);
        services.AddValidatedOptions<SenderNameOptions>(configuration, SenderNameOptions.Section);
        services.AddSingleton<SenderNames>();
        services.AddHostedService(sp => sp.GetRequiredService<SenderNames>());
        return services;
    }
}
