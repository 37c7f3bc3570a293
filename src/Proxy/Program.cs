using Live.Proxy;

var app = ProxyApp.Build(args);
await app.RunAsync();
