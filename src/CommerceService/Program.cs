using Live.CommerceService;
using Live.CommerceService.Data;
using Live.Data;

var app = CommerceServiceApp.Build(args);
return await app.RunOrMigrateAsync<CommerceDbContext>(args);
