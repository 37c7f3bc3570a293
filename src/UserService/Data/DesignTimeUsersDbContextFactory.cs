using Live.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Live.UserService.Data;

/// <summary>
/// Lets `dotnet ef migrations add` build the model without starting the host. The connection string comes
/// from ConnectionStrings__MySql when applying; adding a migration needs no server.
/// </summary>
public sealed class DesignTimeUsersDbContextFactory : IDesignTimeDbContextFactory<UsersDbContext>
{
    public UsersDbContext CreateDbContext(string[] args)
    {
        var connectionString = Environment.GetEnvironmentVariable("ConnectionStrings__MySql")
            ?? "Server=127.0.0.1;Port=13306;Database=live_users;User=live;Password=live";
        var options = new DbContextOptionsBuilder<UsersDbContext>();
        PlatformDatabase.Configure(options, connectionString);
        return new UsersDbContext(options.Options);
    }
}
