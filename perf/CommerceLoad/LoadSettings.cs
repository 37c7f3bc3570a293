using System.Globalization;

namespace Live.Perf.CommerceLoad;

/// <summary>Command-line settings; every one has a default that makes a small, quick run.</summary>
public sealed record LoadSettings
{
    public const string Usage = """
        CommerceLoad: buyers pressing "buy" on one flash sale; attempts/s and latency, then the oversell check.

          --target URL          where Purchase goes: CommerceService (http://127.0.0.1:5106, h2c) or the Proxy
                                (https://127.0.0.1:8443) [http://127.0.0.1:5106]
          --commerce URL        CommerceService for setting up and checking the sale [http://127.0.0.1:5106]
          --rooms URL           RoomService for the sale's room [http://127.0.0.1:5101]
          --bearer TOKEN        access token for --target (the Proxy needs one; an admin's may buy for any buyer)
          --cacert FILE         trust this certificate for an https --target (e.g. .local/certs/proxy.crt)
          --sale ID             press on this sale; without it a room, product and sale are created
          --stock N             units of the created sale [1000]
          --limit N             per-buyer limit of the created sale [1]
          --buyers N            distinct buyers [100000]
          --attempts N          purchase attempts in all [100000]
          --concurrency N       attempts in flight at once [256]
          --connections N       HTTP/2 connections to --target [4]
        """;

    public Uri Target { get; init; } = new("http://127.0.0.1:5106");
    public Uri Commerce { get; init; } = new("http://127.0.0.1:5106");
    public Uri Rooms { get; init; } = new("http://127.0.0.1:5101");
    public string? Bearer { get; init; }
    public string? CaCert { get; init; }
    public long? SaleId { get; init; }
    public int Stock { get; init; } = 1_000;
    public int Limit { get; init; } = 1;
    public int Buyers { get; init; } = 100_000;
    public int Attempts { get; init; } = 100_000;
    public int Concurrency { get; init; } = 256;
    public int Connections { get; init; } = 4;

    public static LoadSettings Parse(string[] args)
    {
        var settings = new LoadSettings();
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            var value = i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{name} needs a value.\n{Usage}");
            settings = name switch
            {
                "--target" => settings with { Target = new Uri(value) },
                "--commerce" => settings with { Commerce = new Uri(value) },
                "--rooms" => settings with { Rooms = new Uri(value) },
                "--bearer" => settings with { Bearer = value },
                "--cacert" => settings with { CaCert = value },
                "--sale" => settings with { SaleId = Positive(name, value) },
                "--stock" => settings with { Stock = (int)Positive(name, value) },
                "--limit" => settings with { Limit = (int)Positive(name, value) },
                "--buyers" => settings with { Buyers = (int)Positive(name, value) },
                "--attempts" => settings with { Attempts = (int)Positive(name, value) },
                "--concurrency" => settings with { Concurrency = (int)Positive(name, value) },
                "--connections" => settings with { Connections = (int)Positive(name, value) },
                _ => throw new ArgumentException($"unknown option {name}.\n{Usage}"),
            };
        }

        return settings;
    }

    private static long Positive(string name, string value) =>
        long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is > 0 and <= int.MaxValue
            ? n
            : throw new ArgumentException($"{name} must be a positive whole number; got '{value}'.");
}
