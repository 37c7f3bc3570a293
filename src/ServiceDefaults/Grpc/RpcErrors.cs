using System.Diagnostics.CodeAnalysis;
using Grpc.Core;

namespace Live.ServiceDefaults.Grpc;

/// <summary>Throw helpers so handlers read as a list of rules, each failing with its status and reason.</summary>
public static class RpcErrors
{
    [DoesNotReturn]
    public static void InvalidArgument(string reason) => throw new RpcException(new Status(StatusCode.InvalidArgument, reason));

    [DoesNotReturn]
    public static void NotFound(string reason) => throw new RpcException(new Status(StatusCode.NotFound, reason));

    [DoesNotReturn]
    public static void FailedPrecondition(string reason) => throw new RpcException(new Status(StatusCode.FailedPrecondition, reason));

    [DoesNotReturn]
    public static void Aborted(string reason) => throw new RpcException(new Status(StatusCode.Aborted, reason));

    [DoesNotReturn]
    public static void AlreadyExists(string reason) => throw new RpcException(new Status(StatusCode.AlreadyExists, reason));

    [DoesNotReturn]
    public static void Unauthenticated(string reason) => throw new RpcException(new Status(StatusCode.Unauthenticated, reason));

    [DoesNotReturn]
    public static void PermissionDenied(string reason) => throw new RpcException(new Status(StatusCode.PermissionDenied, reason));

    [DoesNotReturn]
    public static void Unavailable(string reason) => throw new RpcException(new Status(StatusCode.Unavailable, reason));

    public static void RequirePositiveId(long id, string field)
    {
        if (id <= 0)
        {
            InvalidArgument($"{field} must be a positive id; got {id}.");
        }
    }
}
