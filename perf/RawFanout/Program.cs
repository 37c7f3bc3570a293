using System.Collections.Concurrent;
using System.Globalization;
using Live.Perf.RawFanout;
using Live.Protocol;

var builder = WebApplication.CreateSlimBuilder(args);
var windowMs = builder.Configuration.GetValue("Raw:BatchWindowMs", 20);
var app = builder.Build();
var rooms = new ConcurrentDictionary<long, RawRoom>();
app.UseWebSockets();
app.MapGet("/health", () => "ok");
app.Map("/ws", async context =>
{
    if (!context.WebSockets.IsWebSocketRequest
        || !long.TryParse(context.Request.Query["room"], NumberStyles.None, CultureInfo.InvariantCulture, out var roomId))
    {
        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        await context.Response.WriteAsync("a WebSocket upgrade with ?room=<id>");
        return;
    }

    var offered = context.WebSockets.WebSocketRequestedProtocols;
    using var socket = await context.WebSockets.AcceptWebSocketAsync(offered.Contains(Subprotocols.Live) ? Subprotocols.Live : null);
    var room = rooms.GetOrAdd(roomId, id => new RawRoom(id, windowMs));
    await room.ServeAsync(socket, context.RequestAborted);
});
app.Run();
