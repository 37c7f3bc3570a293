using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;

namespace Live.ServiceDefaults.Grpc;

/// <summary>
/// Turns dependency failures into gRPC statuses a caller can act on: an outage is UNAVAILABLE (retryable),
/// a lost optimistic-concurrency race is ABORTED, anything unexpected is INTERNAL without internals leaking.
/// Which exception means what is registered by the project that owns the dependency (<see cref="DependencyFailure"/>).
/// </summary>
public sealed partial class ExceptionMappingInterceptor(IEnumerable<DependencyFailure> failures, ILogger<ExceptionMappingInterceptor> logger) : Interceptor
{
    private static readonly Status Internal = new(StatusCode.Internal, "Internal error.");

    private readonly ILookup<Type, DependencyFailure> failuresByType = failures.ToLookup(f => f.ExceptionType);

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (Exception ex) when (Map(ex, context) is { } mapped)
        {
            throw mapped;
        }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(requestStream, context);
        }
        catch (Exception ex) when (Map(ex, context) is { } mapped)
        {
            throw mapped;
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (Exception ex) when (Map(ex, context) is { } mapped)
        {
            throw mapped;
        }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(requestStream, responseStream, context);
        }
        catch (Exception ex) when (Map(ex, context) is { } mapped)
        {
            throw mapped;
        }
    }

    private RpcException? Map(Exception exception, ServerCallContext context)
    {
        if (exception is RpcException)
        {
            return null;
        }

        var status = Classify(exception, context);
        if (status.StatusCode == StatusCode.Internal)
        {
            Log.UnhandledError(logger, context.Method, exception);
        }
        else if (status.StatusCode == StatusCode.Unavailable)
        {
            Log.DependencyUnavailable(logger, context.Method, exception.GetType().Name, exception.Message);
        }

        return new RpcException(status);
    }

    private Status Classify(Exception exception, ServerCallContext context)
    {
        if (exception is OperationCanceledException && context.CancellationToken.IsCancellationRequested)
        {
            return new Status(StatusCode.Cancelled, "The call was cancelled by the client.");
        }

        for (var type = exception.GetType(); type is not null; type = type.BaseType)
        {
            foreach (var failure in failuresByType[type])
            {
                if (failure.Applies(exception))
                {
                    return failure.Status;
                }
            }
        }

        return Internal;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Error, Message = "Unhandled error in {Method}")]
        public static partial void UnhandledError(ILogger logger, string method, Exception exception);

        [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Dependency unavailable in {Method}: {ExceptionType}: {Reason}")]
        public static partial void DependencyUnavailable(ILogger logger, string method, string exceptionType, string reason);
    }
}
