using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Live.Moderation.Data;

/// <summary>
/// Lets `dotnet ef migrations add` build the model without a host. The connection string comes from
/// ConnectionStrings__MySql when applying; adding a migration needs no server.
/// </summary>
public sealed class DesignTimeModerationDbContextFactory : IDesignTimeDbContextFactory<ModerationDbContext>
{
    public ModerationDbContext CreateDbContext(string[] args)
    {
        var connectionString = Environment.GetEnvironmentVariable("ConnectionStrings__MySql")
            ?? "Server=127.0.0.1;Port=13306;Database=live_messages;User=live;Password=live";
        var options = new DbContextOptionsBuilder<ModerationDbContext>();
        ModerationDatabase.Configure(options, connectionString);
        return new ModerationDbContext(options.Options);
    }
}
