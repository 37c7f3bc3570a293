using Live.MessageService;

var app = MessageServiceApp.Build(args);
await app.RunAsync();
