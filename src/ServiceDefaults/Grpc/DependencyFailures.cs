using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Live.ServiceDefaults.Grpc;

/// <summary>
/// The status a caller gets when a handler fails with <see cref="ExceptionType"/> (and <see cref="Applies"/>
/// holds). The project that brings a dependency (Live.Data, Live.Redis, Live.Kafka) registers its own, so
/// the hosting defaults map failures without referencing every client library.
/// </summary>
public sealed class DependencyFailure(Type exceptionType, Status status, Func<Exception, bool>? applies)
{
    public Type ExceptionType { get; } = exceptionType;

    public Status Status { get; } = status;

    public bool Applies(Exception exception) => applies?.Invoke(exception) ?? true;
}

public static class DependencyFailureExtensions
{
    /// <summary>
    /// Calls that fail with <typeparamref name="TException"/> end with <paramref name="code"/> and
    /// <paramref name="detail"/>. The mapping for the exception's nearest type wins, as with catch clauses;
    /// registering the same exception type and status twice has no further effect.
    /// </summary>
    public static IServiceCollection AddDependencyFailure<TException>(
        this IServiceCollection services, StatusCode code, string detail, Func<TException, bool>? applies = null)
        where TException : Exception
    {
        foreach (var descriptor in services)
        {
            if (descriptor.ImplementationInstance is DependencyFailure existing && existing.ExceptionType == typeof(TException)
                && existing.Status.StatusCode == code && existing.Status.Detail == detail)
            {
                return services;
            }
        }

        services.AddSingleton(new DependencyFailure(
            typeof(TException), new Status(code, detail), applies is null ? null : exception => applies((TException)exception)));
        return services;
    }
}
