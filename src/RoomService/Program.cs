using Live.RoomService;
using Live.RoomService.Data;
using Live.ServiceDefaults.Hosting;

var app = RoomServiceApp.Build(args);
return await app.RunOrMigrateAsync<RoomsDbContext>(args);
