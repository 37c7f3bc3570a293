using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Grpc.Core;
using Grpc.Net.Client;
using Live.ServiceDefaults.Identity;
using Live.Tools.LoadGen.Measurement;
using Live.V1;

namespace Live.Tools.LoadGen.Clients;

/// <summary>Opens and closes the clients of a run: their rooms, addresses and identities.</summary>
public interface IClientFactory : IAsyncDisposable
{
    /// <summary>Names of the rooms the viewers join, for the report.</summary>
    IReadOnlyList<string> RoomNames { get; }

    Task SetupAsync(CancellationToken cancellationToken);

    /// <param name="index">The viewer's number; viewers 0..senders-1 are the senders, viewer i is in room i mod rooms.</param>
    Task<IViewer> ConnectAsync(int index, int roomIndex, bool isSender, CancellationToken cancellationToken);
}

/// <summary>
/// Clients of the Edge. Straight to the Edge (the default), a sender carries the identity headers the Proxy
/// would add, signed with the proxy secret; viewers are guests, or signed-in users of their own with
/// <see cref="LoadOptions.SignedViewers"/>. Through the Proxy (TLS), every connection
/// needs an access token: each sender logs in as its own account (UserService Register/Login through the
/// Proxy), and the other viewers share one account per hundred, well within the Proxy's per-user limit.
/// </summary>
public sealed class EdgeClients(LoadOptions options, LatencyRecorder recorder, LoadCounters counters, ReconnectLog? reconnects, TextWriter log)
    : IClientFactory
{
    /// <summary>Through the Proxy, clients spread over loopback source addresses, this many per address, to stay within its per-IP limit.</summary>
    private const int ClientsPerSourceAddress = 200;

    /// <summary>Through the Proxy, viewers that do not send share an account, this many per account.</summary>
    private const int ViewersPerAccount = 100;

    private readonly List<long> roomIds = [];
    private readonly List<long> createdRooms = [];
    private readonly Dictionary<int, string> accountTokens = [];
    private readonly byte[]? proxySecret = options.ProxySecret is { Length: > 0 } s ? Encoding.UTF8.GetBytes(s) : null;
    private HttpMessageInvoker? invoker;

    public IReadOnlyList<string> RoomNames => roomIds.ConvertAll(id => id.ToString(CultureInfo.InvariantCulture));

    public async Task SetupAsync(CancellationToken cancellationToken)
    {
        if (options.EffectiveSenders > 0 && options.Rate > 0 && options.Proxy is null && proxySecret is null)
        {
            throw new ArgumentException("Senders straight to the Edge need --proxy-secret-file (guests cannot send).");
        }

        if (options.SignedViewers && options.Proxy is null && proxySecret is null)
        {
            throw new ArgumentException("--signed-viewers straight to the Edge needs --proxy-secret-file.");
        }

        invoker = new HttpMessageInvoker(CreateHandler());
        if (options.RoomIds.Count > 0)
        {
            roomIds.AddRange(options.RoomIds);
        }
        else if (options.RoomIdsFile is { } file && File.Exists(file))
        {
            roomIds.AddRange(ReadRoomIds(file, options.Rooms));
            log.WriteLine($"reusing {roomIds.Count} room(s) from {file}");
        }
        else
        {
            using var channel = GrpcChannel.ForAddress(options.RoomService);
            var rooms = new RoomServiceClient(channel);
            for (var i = 0; i < options.Rooms; i++)
            {
                var room = await rooms.CreateRoomAsync(new CreateRoomRequest { AnchorUserId = 1, Title = $"load run {i + 1}", Category = "chat" },
                    cancellationToken: cancellationToken);
                if (options.RoomIdsFile is null)
                {
                    createdRooms.Add(room.Id);
                }

                await rooms.StartLiveAsync(new StartLiveRequest { RoomId = room.Id }, cancellationToken: cancellationToken);
                roomIds.Add(room.Id);
            }

            log.WriteLine($"created and started room(s) {string.Join(", ", roomIds)} on {options.RoomService}");
            if (options.RoomIdsFile is { } idsFile)
            {
                await File.WriteAllTextAsync(idsFile, string.Join('\n', roomIds) + "\n", cancellationToken);
            }
        }

        if (options.Proxy is { } proxy)
        {
            await LogInAsync(proxy, cancellationToken);
        }
    }

    public async Task<IViewer> ConnectAsync(int index, int roomIndex, bool isSender, CancellationToken cancellationToken)
    {
        Func<IEnumerable<(string, string)>?> identity = () => null;
        if (options.Proxies.Count > 0)
        {
            var token = accountTokens[AccountOf(index)];
            identity = () => [("Authorization", "Bearer " + token)];
        }
        else if (isSender || options.SignedViewers)
        {
            // Signed again for every connection: the proof carries its time and the Edge accepts it only for a while.
            identity = () => SignedIdentity(proxySecret!, options.FirstUserId + index, $"load-{index}");
        }

        return await EdgeViewer.ConnectAsync(SocketUri(options, index, roomIds[roomIndex]), invoker!, identity, reconnects, roomIndex, recorder, counters,
            options.ContentBytes, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (createdRooms.Count > 0)
        {
            // Leave no live load-test room behind; a failure here only leaves a room live.
            using var channel = GrpcChannel.ForAddress(options.RoomService);
            var rooms = new RoomServiceClient(channel);
            foreach (var id in createdRooms)
            {
                try
                {
                    await rooms.StopLiveAsync(new StopLiveRequest { RoomId = id }, deadline: DateTime.UtcNow.AddSeconds(5));
                }
                catch (RpcException ex)
                {
                    log.WriteLine($"could not stop room {id}: {ex.Status.Detail}");
                }
            }
        }

        invoker?.Dispose();
    }

    /// <summary>
    /// Where viewer <paramref name="index"/> opens its socket: the Edge, the (index mod n)-th Proxy over TLS, or its
    /// plaintext door when <see cref="LoadOptions.WsDoors"/> are given. The
    /// room stays in the query (<c>room</c>): the Proxy's RoomAffinity policy places the socket by it.
    /// </summary>
    public static Uri SocketUri(LoadOptions options, int index, long roomId)
    {
        var query = $"/ws?room={roomId.ToString(CultureInfo.InvariantCulture)}{(options.Compress ? "&compress=zstd" : string.Empty)}";
        if (options.Proxies.Count == 0)
        {
            return new Uri(options.Edge, query);
        }

        if (options.WsDoors.Count > 0)
        {
            return new Uri(options.WsDoors[index % options.WsDoors.Count], query);
        }

        var proxy = options.Proxies[index % options.Proxies.Count];
        return new Uri(new Uri(proxy.GetLeftPart(UriPartial.Authority).Replace("https://", "wss://", StringComparison.Ordinal)), query);
    }

    /// <summary>The room ids of an earlier run, one per line; there must be one per room of this run.</summary>
    public static IReadOnlyList<long> ReadRoomIds(string file, int rooms)
    {
        var ids = File.ReadAllLines(file).Where(line => line.Trim().Length > 0).Select(line => long.Parse(line, CultureInfo.InvariantCulture)).ToArray();
        return ids.Length == rooms ? ids : throw new ArgumentException($"{file} holds {ids.Length} room id(s); this run has {rooms} room(s).");
    }

    /// <summary>The identity headers the Proxy adds for a signed-in user, with their proof over /ws.</summary>
    public static IEnumerable<(string Name, string Value)> SignedIdentity(byte[] secret, long userId, string userName)
    {
        var id = userId.ToString(CultureInfo.InvariantCulture);
        var name = Uri.EscapeDataString(userName);
        var proof = ProxyIdentityProof.Create(secret, DateTimeOffset.UtcNow.ToUnixTimeSeconds(), "/ws", id, name, "viewer", "1");
        return [(IdentityHeaders.UserId, id), (IdentityHeaders.UserName, name), (IdentityHeaders.UserRoles, "viewer"),
            (IdentityHeaders.UserLevel, "1"), (IdentityHeaders.Proof, proof)];
    }

    private SocketsHttpHandler CreateHandler()
    {
        var handler = new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10), PooledConnectionLifetime = Timeout.InfiniteTimeSpan };
        if (options.Proxy is null)
        {
            return handler;
        }

        var trusted = options.ProxyCertificate is { } path ? X509CertificateLoader.LoadCertificateFromFile(path) : null;
        handler.SslOptions = new SslClientAuthenticationOptions
        {
            // The local Proxy's certificate is self-signed: accept exactly that certificate, nothing else.
            RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                errors == SslPolicyErrors.None || (trusted is not null && certificate is not null && certificate.GetCertHash().AsSpan().SequenceEqual(trusted.GetCertHash())),
        };
        var next = 0;
        handler.ConnectCallback = async (context, cancellationToken) =>
        {
            // Every client from 127.0.0.1 would trip the Proxy's per-IP limit; a real audience comes from many addresses.
            var n = Interlocked.Increment(ref next) - 1;
            var source = new IPAddress([127, 0, (byte)(1 + n / ClientsPerSourceAddress / 250), (byte)(2 + n / ClientsPerSourceAddress % 250)]);
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(source, 0));
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        };
        return handler;
    }

    /// <summary>Senders each have their own account (moderation limits each user's rate); the rest share.</summary>
    private int AccountOf(int viewer)
    {
        var senders = options.EffectiveSenders;
        return viewer < senders ? viewer : senders + (viewer - senders) / ViewersPerAccount;
    }

    /// <summary>Registers (once; an existing account is fine) and logs in every account of the run through the Proxy.</summary>
    private async Task LogInAsync(Uri proxy, CancellationToken cancellationToken)
    {
        using var channel = GrpcChannel.ForAddress(proxy, new GrpcChannelOptions { HttpHandler = CreateHandler() });
        var users = new UserServiceClient(channel);
        var accounts = AccountOf(options.Viewers - 1) + 1;
        const string Password = "load-generator-password";
        for (var account = 0; account < accounts; account++)
        {
            var username = $"loadgen-{account}";
            try
            {
                await users.RegisterAsync(new RegisterRequest { Username = username, Password = Password, DisplayName = username },
                    cancellationToken: cancellationToken);
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.AlreadyExists)
            {
                // Registered by an earlier run.
            }

            var tokens = await users.LoginAsync(new LoginRequest { Username = username, Password = Password }, cancellationToken: cancellationToken);
            accountTokens[account] = tokens.AccessToken;
        }

        log.WriteLine($"logged in {accounts} account(s) through {proxy}");
    }
}
