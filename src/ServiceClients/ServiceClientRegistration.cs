using Grpc.Net.ClientFactory;
using Live.ServiceDefaults.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Live.ServiceClients;

/// <summary>
/// The one place gRPC clients of the platform's services are made: through Grpc.Net.ClientFactory, at the
/// address in <see cref="ServiceAddresses"/>. The factory keeps one channel (one HTTP/2 connection, on which
/// calls multiplex) per client name for the life of the process, however many components take the client.
/// </summary>
public static class ServiceClientRegistration
{
    private static readonly ServiceAddress RoomService = new(nameof(ServiceAddresses.RoomService), a => a.RoomService, "http://127.0.0.1:5101");
    private static readonly ServiceAddress MessageService = new(nameof(ServiceAddresses.MessageService), a => a.MessageService, "http://127.0.0.1:5103");
    private static readonly ServiceAddress UserService = new(nameof(ServiceAddresses.UserService), a => a.UserService, "http://127.0.0.1:5102");

    /// <summary><see cref="RoomServiceClient"/> at Services:RoomService, shared by everything in the process that calls RoomService.</summary>
    public static IServiceCollection AddRoomServiceClient(this IServiceCollection services, IConfiguration configuration)
    {
        if (services.Any(d => d.ServiceType == typeof(RoomServiceClient)))
        {
            return services;
        }

        services.RequireAddress(configuration, RoomService);
        services.AddGrpcClient<RoomServiceClient>((sp, options) => options.Address = RoomService.Of(sp))
            .RemoveAllLoggers();
        return services;
    }

    /// <summary><see cref="UserServiceClient"/> at Services:UserService, shared by everything in the process that calls UserService.</summary>
    public static IServiceCollection AddUserServiceClient(this IServiceCollection services, IConfiguration configuration)
    {
        if (services.Any(d => d.ServiceType == typeof(UserServiceClient)))
        {
            return services;
        }

        services.RequireAddress(configuration, UserService);
        services.AddGrpcClient<UserServiceClient>((sp, options) => options.Address = UserService.Of(sp))
            .RemoveAllLoggers();
        return services;
    }

    /// <summary><see cref="MessageServiceClient"/> at Services:MessageService for unary calls (Publish), shared by everything in the process.</summary>
    public static IServiceCollection AddMessageServiceClient(this IServiceCollection services, IConfiguration configuration)
    {
        if (services.Any(d => d.ServiceType == typeof(MessageServiceClient)))
        {
            return services;
        }

        services.RequireAddress(configuration, MessageService);
        services.AddGrpcClient<MessageServiceClient>((sp, options) => options.Address = MessageService.Of(sp))
            .RemoveAllLoggers();
        return services;
    }

    /// <summary>The InboxService client at Services:MessageService (MessageService hosts the inbox, ADR 0012).</summary>
    public static IServiceCollection AddInboxServiceClient(this IServiceCollection services, IConfiguration configuration)
    {
        if (services.Any(d => d.ServiceType == typeof(Live.V1.InboxService.InboxServiceClient)))
        {
            return services;
        }

        services.RequireAddress(configuration, MessageService);
        services.AddGrpcClient<Live.V1.InboxService.InboxServiceClient>((sp, options) => options.Address = MessageService.Of(sp))
            .RemoveAllLoggers();
        return services;
    }

    /// <summary>
    /// <paramref name="connections"/> sets of MessageService clients, one client per address (Services:MessageService,
    /// then each of Services:MessageServiceFallbacks), each on an HTTP/2 connection of its own
    /// (<see cref="MessageServiceConnections"/>), for long-lived streams that must not wait on each other: one busy
    /// stream does not hold up another's frames behind a shared connection.
    /// </summary>
    public static IServiceCollection AddMessageServiceConnections(this IServiceCollection services, IConfiguration configuration, int connections)
    {
        services.RequireAddress(configuration, MessageService);
        var fallbacks = FallbacksOf(configuration.GetSection(ServiceAddresses.Section)[nameof(ServiceAddresses.MessageServiceFallbacks)]);
        services.AddOptions<ServiceAddresses>().Validate(
            a => FallbacksOf(a.MessageServiceFallbacks).All(f => Uri.TryCreate(f, UriKind.Absolute, out _)),
            "Configuration 'Services:MessageServiceFallbacks' must be absolute MessageService gRPC addresses separated by commas, e.g. http://10.0.0.2:5103,http://10.0.0.3:5103.");
        var names = new string[Math.Max(connections, 0)][];
        for (var i = 0; i < names.Length; i++)
        {
            names[i] = new string[1 + fallbacks.Length];
            for (var a = 0; a < names[i].Length; a++)
            {
                var address = a;
                names[i][a] = $"{nameof(MessageServiceClient)}.connection-{i}.address-{a}";
                services.AddGrpcClient<MessageServiceClient>(names[i][a], (sp, options) => options.Address = AddressesOf(sp)[address])
                    .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
                    {
                        EnableMultipleHttp2Connections = true,
                        PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
                        KeepAlivePingDelay = TimeSpan.FromSeconds(20),
                        KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
                        ConnectTimeout = TimeSpan.FromSeconds(3),
                    })
                    .ConfigureChannel(options => options.MaxReceiveMessageSize = 16 * 1024 * 1024)
                    .RemoveAllLoggers();
            }
        }

        services.AddSingleton(sp =>
        {
            var factory = sp.GetRequiredService<GrpcClientFactory>();
            return new MessageServiceConnections(
                Array.ConvertAll(names, set => (IReadOnlyList<MessageServiceClient>)Array.ConvertAll(set, factory.CreateClient<MessageServiceClient>)),
                AddressesOf(sp));
        });
        return services;
    }

    private static string[] FallbacksOf(string? list) =>
        list?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];

    private static Uri[] AddressesOf(IServiceProvider services)
    {
        var addresses = services.GetRequiredService<IOptions<ServiceAddresses>>().Value;
        return [MessageService.Of(services), .. FallbacksOf(addresses.MessageServiceFallbacks).Select(f => new Uri(f, UriKind.Absolute))];
    }

    /// <summary>Binds <see cref="ServiceAddresses"/> once and fails start-up when <paramref name="service"/>'s address is missing or not absolute.</summary>
    private static void RequireAddress(this IServiceCollection services, IConfiguration configuration, ServiceAddress service)
    {
        var addresses = services.Any(d => d.ServiceType == typeof(IOptionsChangeTokenSource<ServiceAddresses>))
            ? services.AddOptions<ServiceAddresses>()
            : services.AddValidatedOptions<ServiceAddresses>(configuration, ServiceAddresses.Section);
        addresses.Validate(
            a => Uri.TryCreate(service.Select(a), UriKind.Absolute, out _),
            $"Configuration 'Services:{service.Name}' must be the {service.Name} gRPC address, e.g. {service.Example}.");
    }

    private sealed record ServiceAddress(string Name, Func<ServiceAddresses, string?> Select, string Example)
    {
        public Uri Of(IServiceProvider services) =>
            new(Select(services.GetRequiredService<IOptions<ServiceAddresses>>().Value)!, UriKind.Absolute);
    }
}

/// <summary>
/// Clients of MessageService for long-lived streams: per stream, one client per address (the first is
/// Services:MessageService), each holding an HTTP/2 connection of its own.
/// </summary>
public sealed class MessageServiceConnections(IReadOnlyList<IReadOnlyList<MessageServiceClient>> clients, IReadOnlyList<Uri> addresses)
{
    /// <summary>Clients[stream][address], addresses in the order of <see cref="Addresses"/>.</summary>
    public IReadOnlyList<IReadOnlyList<MessageServiceClient>> Clients { get; } = clients;

    /// <summary>Where they connect: Services:MessageService, then Services:MessageServiceFallbacks.</summary>
    public IReadOnlyList<Uri> Addresses { get; } = addresses;
}
