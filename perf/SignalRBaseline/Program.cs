using Live.Perf.SignalRBaseline;

var builder = WebApplication.CreateSlimBuilder(args);
builder.Services.AddDanmakuHub();

var app = builder.Build();
app.MapDanmakuHub();
app.Run();
