using Live.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Live.CommerceService.Data;

/// <summary>
/// Lets `dotnet ef migrations add` and migration bundles build the model without starting the host.
/// The connection string comes from ConnectionStrings__MySql when applying; adding a migration needs no server.
/// </summary>
public sealed class DesignTimeCommerceDbContextFactory : IDesignTimeDbContextFactory<CommerceDbContext>
{
    public CommerceDbContext CreateDbContext(string[] args)
    {
        var connectionString = Environment.GetEnvironmentVariable("ConnectionStrings__MySql")
            ?? "Server=127.0.0.1;Port=13306;Database=live_commerce;User=live;Password=live";
        var options = new DbContextOptionsBuilder<CommerceDbContext>();
        PlatformDatabase.Configure(options, connectionString);
        return new CommerceDbContext(options.Options);
    }
}
