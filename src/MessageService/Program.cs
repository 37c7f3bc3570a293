using Live.Gifts;
using Live.MessageService;
using Live.MessageService.Inbox;
using Live.Moderation.Data;
using Live.ServiceDefaults.Hosting;
using Microsoft.EntityFrameworkCore;

var app = MessageServiceApp.Build(args);

// MessageService's database holds moderation's tables (the word lists) and the inbox, and the gift database
// (live_gifts) the ledger of the GiftService it hosts; --migrate applies all three.
return await app.RunOrMigrateAsync(args, async services =>
{
    await ModerationDatabase.MigrateAsync(services.GetRequiredService<IDbContextFactory<ModerationDbContext>>());
    await services.MigrateInboxAsync();
    await services.MigrateGiftsAsync();
});
