using Live.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Live.StatsService.Data;

/// <summary>Lets `dotnet ef migrations add` build the model without starting the host.</summary>
public sealed class DesignTimeStatsDbContextFactory : IDesignTimeDbContextFactory<StatsDbContext>
{
    public StatsDbContext CreateDbContext(string[] args)
    {
        var connectionString = Environment.GetEnvironmentVariable("ConnectionStrings__MySql")
            ?? "Server=127.0.0.1;Port=13306;Database=live_stats;User=live;Password=live";
        var options = new DbContextOptionsBuilder<StatsDbContext>();
        PlatformDatabase.Configure(options, connectionString);
        return new StatsDbContext(options.Options);
    }
}
