using Live.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Live.Gifts.Data;

/// <summary>
/// Lets `dotnet ef migrations add` build the model without a host. The connection string comes from
/// ConnectionStrings__Gifts when applying; adding a migration needs no server.
/// </summary>
public sealed class DesignTimeGiftsDbContextFactory : IDesignTimeDbContextFactory<GiftsDbContext>
{
    public GiftsDbContext CreateDbContext(string[] args)
    {
        var connectionString = Environment.GetEnvironmentVariable("ConnectionStrings__Gifts")
            ?? "Server=127.0.0.1;Port=13306;Database=live_gifts;User=live;Password=live";
        var options = new DbContextOptionsBuilder<GiftsDbContext>();
        PlatformDatabase.Configure(options, connectionString);
        return new GiftsDbContext(options.Options);
    }
}
