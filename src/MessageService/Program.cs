using Live.MessageService;
using Live.Moderation.Data;
using Live.ServiceDefaults.Hosting;
using Microsoft.EntityFrameworkCore;

var app = MessageServiceApp.Build(args);

// MessageService's database holds moderation's tables (the word lists); --migrate applies their migrations.
return await app.RunOrMigrateAsync(args, services =>
    ModerationDatabase.MigrateAsync(services.GetRequiredService<IDbContextFactory<ModerationDbContext>>()));
