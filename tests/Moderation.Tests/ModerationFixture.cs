using Live.Testing;

namespace Live.Moderation.Tests;

/// <summary>A MariaDB database of the class's own and one node on the shared Redis; fails the class on unexpected errors.</summary>
public class ModerationFixture : IAsyncLifetime
{
    public TestDatabase Database { get; private set; } = null!;
    public ModerationNode Node { get; private set; } = null!;

    protected virtual IDictionary<string, string?> Settings => new Dictionary<string, string?>();

    public async Task InitializeAsync()
    {
        Database = await TestDatabase.CreateAsync("moderation_test");
        // A channel of the class's own: word-list notifications of other classes would only cause reloads, but
        // keeping them apart makes each class's reload traffic its own.
        var settings = new Dictionary<string, string?> { ["Moderation:WordsChannel"] = "moderation:words:test:" + Database.Name };
        foreach (var (key, value) in Settings)
        {
            settings[key] = value;
        }

        Node = await ModerationNode.StartAsync(Database.ConnectionString, settings: settings);
    }

    public async Task DisposeAsync()
    {
        Node.Logs.AssertNoErrors();
        await Node.DisposeAsync();
        await Database.DisposeAsync();
        Node.AssertNoErrorsAfterStop();
    }
}
