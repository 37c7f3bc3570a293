using Grpc.AspNetCore.Server;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;

namespace Live.ServiceDefaults.Identity;

/// <summary>
/// Establishes the caller of every gRPC call before the handler runs and makes it available through
/// <see cref="CallerContext.GetCaller"/>. A call with identity the Proxy did not sign fails UNAUTHENTICATED.
/// </summary>
public sealed partial class CallerIdentityInterceptor(ProxyIdentityVerifier verifier, ILogger<CallerIdentityInterceptor> logger) : Interceptor
{
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Establish(context);
        return continuation(request, context);
    }

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Establish(context);
        return continuation(requestStream, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Establish(context);
        return continuation(request, responseStream, context);
    }

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Establish(context);
        return continuation(requestStream, responseStream, context);
    }

    private void Establish(ServerCallContext context)
    {
        var http = context.GetHttpContext();
        var caller = verifier.Read(http.Request.Headers, http.Request.Path.Value ?? string.Empty, out var failure);
        if (caller is null)
        {
            Log.ForgedIdentity(logger, context.Method, http.Connection.RemoteIpAddress?.ToString() ?? "unknown", failure);
            throw new RpcException(new Status(StatusCode.Unauthenticated, $"Caller identity refused: {failure}."));
        }

        context.UserState[CallerContext.Key] = caller;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 20, Level = LogLevel.Warning, Message = "Refused the identity of a call to {Method} from {RemoteIp}: {Reason}")]
        public static partial void ForgedIdentity(ILogger logger, string method, string remoteIp, string reason);
    }
}
