using Live.StatsService;

var app = StatsServiceApp.Build(args);
await app.RunAsync();
