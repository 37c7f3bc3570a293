using Live.Data;
using Live.RoomService;
using Live.RoomService.Data;

var app = RoomServiceApp.Build(args);
return await app.RunOrMigrateAsync<RoomsDbContext>(args);
