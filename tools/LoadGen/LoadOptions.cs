using System.Globalization;

namespace Live.Tools.LoadGen;

public enum LoadTarget
{
    /// <summary>The Edge's /ws with the binary room protocol (straight, or through the Proxy).</summary>
    Edge,

    /// <summary>The SignalR baseline (perf/SignalRBaseline): group broadcast, one SendAsync per message.</summary>
    SignalR,
}

/// <summary>A server process whose CPU and RSS the run reports.</summary>
public sealed record ServerProcess(string Name, int Pid);

/// <summary>One run's settings. Every bound here keeps a run finite and on loopback.</summary>
public sealed record LoadOptions
{
    public LoadTarget Target { get; init; } = LoadTarget.Edge;

    /// <summary>Edge base address; clients connect to &lt;edge&gt;/ws?room=….</summary>
    public Uri Edge { get; init; } = new("ws://127.0.0.1:5105");

    /// <summary>When set, clients go through the Proxy's TLS door instead, with access tokens.</summary>
    public Uri? Proxy => Proxies.Count > 0 ? Proxies[0] : null;

    /// <summary>Proxy replicas (same configuration); client i goes through Proxies[i mod count].</summary>
    public IReadOnlyList<Uri> Proxies { get; init; } = [];

    /// <summary>
    /// Where the sockets open when not at the Proxies' TLS door: their plaintext listeners (ws://), as behind a load
    /// balancer that ends TLS. Logins still go through <see cref="Proxies"/>; client i uses WsDoors[i mod count].
    /// </summary>
    public IReadOnlyList<Uri> WsDoors { get; init; } = [];

    /// <summary>The Proxy's certificate (self-signed locally); the only one accepted on the TLS connection.</summary>
    public string? ProxyCertificate { get; init; }

    /// <summary>The SignalR baseline hub.</summary>
    public Uri SignalR { get; init; } = new("http://127.0.0.1:5116/hub");

    /// <summary>RoomService gRPC, to create and start the rooms of the run (unless <see cref="RoomIds"/> are given).</summary>
    public Uri RoomService { get; init; } = new("http://127.0.0.1:5101");

    public IReadOnlyList<long> RoomIds { get; init; } = [];

    /// <summary>Room ids shared between runs: read when the file exists, else the created rooms are written there and left live.</summary>
    public string? RoomIdsFile { get; init; }

    /// <summary>Zipf audiences giving room 1 this share of the viewers, senders spread evenly over rooms; null: round-robin.</summary>
    public double? ZipfTopShare { get; init; }

    /// <summary>Seeds the Zipf placement's connect order: the same seed places the same viewers in the same order.</summary>
    public int Seed { get; init; } = 16;
    public int Rooms { get; init; } = 1;
    public int Viewers { get; init; } = 100;

    /// <summary>How many of the viewers also send; 0 picks enough that each sends at most 5 messages/s.</summary>
    public int Senders { get; init; }

    /// <summary>Messages per second, all senders together.</summary>
    public double Rate { get; init; } = 100;

    public double WarmupSeconds { get; init; } = 5;
    public double DurationSeconds { get; init; } = 20;

    /// <summary>UTF-8 bytes of each message's content.</summary>
    public int ContentBytes { get; init; } = 32;

    public bool Compress { get; init; }

    /// <summary>Signs sender identity as the Proxy does, for clients that go straight to the Edge.</summary>
    public string? ProxySecret { get; init; }

    /// <summary>Straight to the Edge, every viewer (not only the senders) is a signed-in user of its own.</summary>
    public bool SignedViewers { get; init; }

    /// <summary>Viewer i is user FirstUserId + i (straight-to-Edge identities are not looked up): far from real accounts.</summary>
    public long FirstUserId { get; init; } = 900_000_000;

    /// <summary>A viewer whose connection is lost connects again as the SDK does (jittered backoff, resume).</summary>
    public bool Reconnect { get; init; }

    /// <summary>Measure until standard input closes (a test or script ends the run) instead of for the duration.</summary>
    public bool UntilStdinCloses { get; init; }

    /// <summary>Connection attempts in flight at once while the viewers join.</summary>
    public int ConnectConcurrency { get; init; } = 32;

    public double ConnectTimeoutSeconds { get; init; } = 120;

    public IReadOnlyList<ServerProcess> Servers { get; init; } = [];

    public string? Output { get; init; }
    public string Label { get; init; } = "";

    /// <summary>The P99 (ms) a run must stay within to count as sustained.</summary>
    public double LatencyBudgetMs { get; init; } = 100;

    public int EffectiveSenders => ZipfTopShare is not null ? Rooms * SendersPerRoom
        : Senders > 0 ? Math.Min(Senders, Viewers) : Math.Min(Viewers, (int)Math.Ceiling(Rate / 5));

    /// <summary>With Zipf audiences every room sends Rate / Rooms, from this many senders of ≤ 5 msg/s each.</summary>
    public int SendersPerRoom => Math.Max(1, (int)Math.Ceiling(Rate / Rooms / 5));

    public ViewerPlacement Placement() => ZipfTopShare is { } share
        ? ViewerPlacement.Zipf(Viewers, Rooms, share, SendersPerRoom, Seed)
        : ViewerPlacement.RoundRobin(Viewers, Rooms, EffectiveSenders);

    public const string Usage = """
        Live.LoadGen: N WebSocket viewers in R rooms, S of them sending at a total rate; reports deliveries/s,
        latency percentiles (HdrHistogram), losses, errors, and client/server CPU and RSS; writes JSON.

          --target edge|signalr          what to load (default edge)
          --edge ws://127.0.0.1:5105     the Edge, straight: viewers are guests, senders carry identity headers
                                         signed with --proxy-secret-file, as the Proxy would add them
          --proxy https://127.0.0.1:8443 through the Proxy's TLS door instead: every client logs in (UserService
          --proxy-cert .local/certs/proxy.crt      Register/Login through the Proxy): senders one account each,
                                         other viewers one per hundred; a comma-separated list spreads the
                                         clients over several Proxies (client i through the (i mod n)-th)
          --ws-door ws://127.0.0.1:8090  with --proxy: open the sockets at the Proxies' plaintext listener(s)
                                         instead (TLS ended before the Proxy); logins stay on --proxy
          --signalr http://127.0.0.1:5116/hub      the SignalR baseline hub
          --room-service http://127.0.0.1:5101     creates and starts the run's rooms (edge target)
          --room-ids 12,13               use these live rooms instead
          --room-ids-file rooms.txt      reuse the ids in this file; if it is missing, create the rooms, write it
                                         and leave them live for the next run (same rooms across runs)
          --zipf-top-share 0.333         Zipf audiences, room 1 with this share; every room sends rate/rooms,
          --seed 16                      from ceil(rate/rooms/5) senders (connecting first); the rest arrive in a
                                         seeded random order (default: viewer i in room i mod rooms)
          --rooms 1  --viewers 100  --senders 0 (auto: ≤5 msg/s each)  --rate 100 (msg/s in total)
          --warmup 5  --duration 20      seconds (bounded: ≤ 120 and ≤ 3600)
          --content-bytes 32 (moderation allows 100)  --compress (ask the Edge for zstd batches)
          --proxy-secret-file .local/proxy-secret
          --signed-viewers               straight to the Edge, every viewer is a signed-in user (user ids from
          --first-user-id 900000000      this one; give each of several LoadGens a range of its own)
          --reconnect                    a lost connection connects again as the SDK does: full-jitter backoff
                                         (500 ms doubling to 30 s), resuming with last_seq and epoch; the report
                                         has every return's times, and each second's line "down N back M"
          --until-stdin-closes           measure until standard input closes instead of for --duration
          --server edge=<pid|pid file> (repeatable; default: .local/pids/edge.pid and message-service.pid)
          --connect-concurrency 32  --connect-timeout 120  --latency-budget-ms 100
          --out results.json  --label name
        """;

    public static LoadOptions Parse(IReadOnlyList<string> args)
    {
        var options = new LoadOptions();
        var servers = new List<ServerProcess>();
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{name} needs a value.");
            options = name switch
            {
                "--target" => options with { Target = Value() switch
                {
                    "edge" => LoadTarget.Edge,
                    "signalr" => LoadTarget.SignalR,
                    var other => throw new ArgumentException($"--target must be edge or signalr, not '{other}'."),
                } },
                "--edge" => options with { Edge = LoopbackUri(Value(), name) },
                "--proxy" => options with { Proxies = Value().Split(',').Select(proxy => LoopbackUri(proxy, name)).ToArray() },
                "--ws-door" => options with { WsDoors = Value().Split(',').Select(door => LoopbackUri(door, name)).ToArray() },
                "--proxy-cert" => options with { ProxyCertificate = Value() },
                "--signalr" => options with { SignalR = LoopbackUri(Value(), name) },
                "--room-service" => options with { RoomService = LoopbackUri(Value(), name) },
                "--room-ids" => options with { RoomIds = Value().Split(',').Select(id => long.Parse(id, CultureInfo.InvariantCulture)).ToArray() },
                "--room-ids-file" => options with { RoomIdsFile = Value() },
                "--zipf-top-share" => options with { ZipfTopShare = Number(Value(), name, 0, 1) },
                "--seed" => options with { Seed = Int(Value(), name, 0, int.MaxValue) },
                "--rooms" => options with { Rooms = Int(Value(), name, 1, 1_000) },
                "--viewers" => options with { Viewers = Int(Value(), name, 1, 18_000) },
                "--senders" => options with { Senders = Int(Value(), name, 0, 18_000) },
                "--rate" => options with { Rate = Number(Value(), name, 0, 200_000) },
                "--warmup" => options with { WarmupSeconds = Number(Value(), name, 0, 120) },
                "--duration" => options with { DurationSeconds = Number(Value(), name, 1, 3600) },
                "--content-bytes" => options with { ContentBytes = Int(Value(), name, 1, 200) },
                "--compress" => options with { Compress = true },
                "--proxy-secret-file" => options with { ProxySecret = File.ReadAllText(Value()).Trim() },
                "--signed-viewers" => options with { SignedViewers = true },
                "--first-user-id" => options with { FirstUserId = (long)Number(Value(), name, 1, 1e15) },
                "--reconnect" => options with { Reconnect = true },
                "--until-stdin-closes" => options with { UntilStdinCloses = true },
                "--connect-concurrency" => options with { ConnectConcurrency = Int(Value(), name, 1, 1_000) },
                "--connect-timeout" => options with { ConnectTimeoutSeconds = Number(Value(), name, 1, 600) },
                "--latency-budget-ms" => options with { LatencyBudgetMs = Number(Value(), name, 1, 60_000) },
                "--server" => AddServer(options, servers, Value()),
                "--out" => options with { Output = Value() },
                "--label" => options with { Label = Value() },
                _ => throw new ArgumentException($"Unknown option '{name}'."),
            };
        }

        if (options.ZipfTopShare is not null)
        {
            options.Placement(); // a placement that cannot be made fails here, before anything connects
        }

        if ((options.Reconnect || options.SignedViewers) && options.Target != LoadTarget.Edge)
        {
            throw new ArgumentException("--reconnect and --signed-viewers are for the Edge's clients.");
        }

        if (options.WsDoors.Count > 0 && options.Proxies.Count == 0)
        {
            throw new ArgumentException("--ws-door needs --proxy: its clients log in through the Proxy.");
        }

        if (servers.Count == 0)
        {
            servers.AddRange(DefaultServers(options.Target));
        }

        return options with { Servers = servers };
    }

    private static LoadOptions AddServer(LoadOptions options, List<ServerProcess> servers, string value)
    {
        var equals = value.IndexOf('=');
        if (equals <= 0)
        {
            throw new ArgumentException($"--server takes name=<pid or pid file>, not '{value}'.");
        }

        var pid = value[(equals + 1)..];
        var text = File.Exists(pid) ? File.ReadAllText(pid).Trim() : pid;
        servers.Add(new ServerProcess(value[..equals], int.Parse(text, CultureInfo.InvariantCulture)));
        return options;
    }

    /// <summary>The platform's own processes (./platform up), when their pid files exist.</summary>
    private static IEnumerable<ServerProcess> DefaultServers(LoadTarget target)
    {
        if (target != LoadTarget.Edge)
        {
            yield break;
        }

        foreach (var name in new[] { "edge", "message-service" })
        {
            var file = Path.Combine(".local", "pids", name + ".pid");
            if (File.Exists(file) && int.TryParse(File.ReadAllText(file).Trim(), CultureInfo.InvariantCulture, out var pid))
            {
                yield return new ServerProcess(name, pid);
            }
        }
    }

    /// <summary>Load goes to this machine only.</summary>
    private static Uri LoopbackUri(string text, string option)
    {
        var uri = new Uri(text, UriKind.Absolute);
        if (!uri.IsLoopback)
        {
            throw new ArgumentException($"{option} must be a loopback address (127.0.0.1 or localhost), not '{uri.Host}'.");
        }

        return uri;
    }

    private static int Int(string text, string option, int min, int max) => (int)Number(text, option, min, max);

    private static double Number(string text, string option, double min, double max)
    {
        var value = double.Parse(text, CultureInfo.InvariantCulture);
        return value >= min && value <= max ? value : throw new ArgumentException($"{option} must be between {min} and {max}.");
    }
}
