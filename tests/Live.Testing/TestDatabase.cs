using MySqlConnector;

namespace Live.Testing;

/// <summary>A MariaDB database of its own for one test class, dropped afterwards.</summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private TestDatabase(string name)
    {
        Name = name;
        ConnectionString = TestEnvironment.MySqlDatabase(name);
    }

    public string Name { get; }
    public string ConnectionString { get; }

    public static async Task<TestDatabase> CreateAsync(string prefix)
    {
        var database = new TestDatabase($"{prefix}_{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 33, 64)]);
        await ExecuteAsync($"CREATE DATABASE `{database.Name}` CHARACTER SET utf8mb4");
        return database;
    }

    public async ValueTask DisposeAsync() => await ExecuteAsync($"DROP DATABASE IF EXISTS `{Name}`");

    private static async Task ExecuteAsync(string sql)
    {
        await using var connection = new MySqlConnection(TestEnvironment.MySql);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
