using Microsoft.AspNetCore.SignalR;

namespace Live.Perf.SignalRBaseline;

/// <summary>What every viewer of a room receives for each danmaku.</summary>
public sealed record Danmaku(long Ts, string User, string Content, string Color);

/// <summary>
/// The typical SignalR room chat: a connection joins its room's group on connect, and each SendDanmaku is
/// broadcast with one Clients.Group(room).SendAsync. "joined" tells the client its group membership is in place.
/// </summary>
public sealed class DanmakuHub : Hub
{
    public override async Task OnConnectedAsync()
    {
        var query = Context.GetHttpContext()?.Request.Query;
        var room = query?["room"].ToString();
        if (string.IsNullOrEmpty(room))
        {
            throw new HubException("Query parameter 'room' is required.");
        }

        Context.Items["room"] = room;
        Context.Items["user"] = query?["user"].ToString() is { Length: > 0 } user ? user : Context.ConnectionId;
        await Groups.AddToGroupAsync(Context.ConnectionId, room);
        await Clients.Caller.SendAsync("joined");
    }

    public Task SendDanmaku(string content, string color)
    {
        var room = (string)Context.Items["room"]!;
        var message = new Danmaku(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), (string)Context.Items["user"]!, content, color);
        return Clients.Group(room).SendAsync("danmaku", message);
    }
}

public static class DanmakuHubExtensions
{
    public static IServiceCollection AddDanmakuHub(this IServiceCollection services)
    {
        services.AddSignalR();
        return services;
    }

    public static WebApplication MapDanmakuHub(this WebApplication app)
    {
        app.MapHub<DanmakuHub>("/hub");
        app.MapGet("/health", () => "ok");
        return app;
    }
}
