using Live.Data;
using Live.StatsService;
using Live.StatsService.Data;

var app = StatsServiceApp.Build(args);
return await app.RunOrMigrateAsync<StatsDbContext>(args);
