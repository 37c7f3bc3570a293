using Live.UserService;

var app = UserServiceApp.Build(args);
await app.RunAsync();
