using System.Globalization;
using System.Net.WebSockets;

namespace Live.Tools.LoadGen.Clients;

/// <summary>How an <see cref="EdgeViewer"/> opens its connection, and opens it again after losing it.</summary>
public sealed partial class EdgeViewer
{
    private static async Task<ClientWebSocket> OpenAsync(Uri uri, HttpMessageInvoker invoker, IEnumerable<(string Name, string Value)>? headers,
        CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        foreach (var (name, value) in headers ?? [])
        {
            socket.Options.SetRequestHeader(name, value);
        }

        try
        {
            await socket.ConnectAsync(uri, invoker, cancellationToken);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>One try at connecting, given up (cancelled) when its upgrade is not answered within the attempt timeout.</summary>
    private static async Task<ClientWebSocket> OpenAttemptAsync(Uri uri, HttpMessageInvoker invoker, IEnumerable<(string Name, string Value)>? headers,
        CancellationToken cancellationToken)
    {
        using var attemptTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attemptTimeout.CancelAfter(ReconnectBackoff.AttemptTimeout);
        return await OpenAsync(uri, invoker, headers, attemptTimeout.Token);
    }

    /// <summary>
    /// A first connect that fails (a 503 while the Edge is full or its relay stream is down, a refused or unanswered
    /// upgrade) is tried again after the reconnect backoff, as the SDK does, until the connect phase ends.
    /// </summary>
    private static async Task<ClientWebSocket> OpenRetryingAsync(Uri uri, HttpMessageInvoker invoker,
        Func<IEnumerable<(string Name, string Value)>?> identity, ReconnectLog log, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await OpenAttemptAsync(uri, invoker, identity(), cancellationToken);
            }
            catch (Exception ex) when (ex is WebSocketException or HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                log.FirstConnectFailed();
                await Task.Delay(ReconnectBackoff.Delay(attempt), cancellationToken);
            }
        }
    }

    /// <returns>False when the run ended before a new connection opened.</returns>
    private async Task<bool> ReconnectAsync(ReconnectLog log)
    {
        var lostAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        log.ConnectionLost();
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await Task.Delay(ReconnectBackoff.Delay(attempt), stopping.Token);
                if (!await PortProbe.For(uri).AcceptsAsync(ReconnectBackoff.AttemptTimeout))
                {
                    log.AttemptFailed();
                    continue;
                }

                var next = await OpenAttemptAsync(ResumeUri(), invoker, identity(), stopping.Token);
                var lost = socket;
                socket = next;
                lost.Dispose();
                returning = (lostAt, attempt + 1);
                return true;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return false;
            }
            catch (Exception ex) when (ex is WebSocketException or HttpRequestException or OperationCanceledException)
            {
                log.AttemptFailed();
            }
        }
    }

    /// <summary>The viewer's address with where it is in the room's stream, so the Edge replays what it missed.</summary>
    private Uri ResumeUri() => lastSeq < 0 ? uri
        : new Uri(string.Create(CultureInfo.InvariantCulture, $"{uri}&last_seq={lastSeq}&epoch={epoch}"));
}
