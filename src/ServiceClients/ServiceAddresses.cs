namespace Live.ServiceClients;

/// <summary>
/// Where the platform's gRPC services listen, from the <c>Services</c> section (e.g.
/// <c>Services:RoomService = http://127.0.0.1:5101</c>; <c>./platform</c> passes every service's address to
/// every process). A host checks at start-up the addresses of the services it registered clients for.
/// </summary>
public sealed class ServiceAddresses
{
    public const string Section = "Services";

    public string? RoomService { get; set; }

    public string? MessageService { get; set; }

    /// <summary>
    /// Other MessageService addresses, comma-separated, that an Edge's relay streams move to when theirs fails
    /// (the next in the list after each failure). Empty where <see cref="MessageService"/> already spreads over
    /// healthy nodes (a Kubernetes Service).
    /// </summary>
    public string? MessageServiceFallbacks { get; set; }

    public string? UserService { get; set; }
}
