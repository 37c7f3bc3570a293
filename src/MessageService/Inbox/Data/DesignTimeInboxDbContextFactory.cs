using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Live.MessageService.Inbox.Data;

/// <summary>Lets `dotnet ef migrations add` build the model without a host; adding a migration needs no server.</summary>
public sealed class DesignTimeInboxDbContextFactory : IDesignTimeDbContextFactory<InboxDbContext>
{
    public InboxDbContext CreateDbContext(string[] args)
    {
        var connectionString = Environment.GetEnvironmentVariable("ConnectionStrings__MySql")
            ?? "Server=127.0.0.1;Port=13306;Database=live_messages;User=live;Password=live";
        var options = new DbContextOptionsBuilder<InboxDbContext>();
        InboxDatabase.Configure(options, connectionString);
        return new InboxDbContext(options.Options);
    }
}
