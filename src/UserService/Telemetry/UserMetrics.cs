using System.Diagnostics.Metrics;

namespace Live.UserService.Telemetry;

public sealed class UserMetrics : IDisposable
{
    public const string Name = "Live.UserService";

    private readonly Meter meter;
    private readonly Counter<long> registrations;
    private readonly Counter<long> logins;
    private readonly Counter<long> refreshes;
    private readonly Counter<long> banChanges;

    public UserMetrics(IMeterFactory meterFactory)
    {
        meter = meterFactory.Create(Name);
        registrations = meter.CreateCounter<long>("live.user.registrations", description: "Accounts created.");
        logins = meter.CreateCounter<long>("live.user.logins", description: "Login attempts by outcome (ok, bad_credentials, banned).");
        refreshes = meter.CreateCounter<long>("live.user.refreshes", description: "Refresh attempts by outcome (ok, invalid, expired, revoked, reused, banned).");
        banChanges = meter.CreateCounter<long>("live.user.ban_changes", description: "Bans made and lifted by kind and action.");

        // The reuse alert takes a rate of this series: it exists from the start, so the first reuse is an increase.
        refreshes.Add(0, new KeyValuePair<string, object?>("outcome", "reused"));
    }

    public void Registered() => registrations.Add(1);

    public void Login(string outcome) => logins.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void Refresh(string outcome) => refreshes.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void BanChanged(string kind, string action) =>
        banChanges.Add(1, new KeyValuePair<string, object?>("kind", kind), new KeyValuePair<string, object?>("action", action));

    public void Dispose() => meter.Dispose();
}
