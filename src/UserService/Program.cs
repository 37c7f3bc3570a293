using Live.Data;
using Live.UserService;
using Live.UserService.Data;

var app = UserServiceApp.Build(args);
return await app.RunOrMigrateAsync<UsersDbContext>(args);
