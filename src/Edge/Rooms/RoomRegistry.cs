using System.Collections.Concurrent;
using Live.Edge.Connections;
using Microsoft.Extensions.Options;

namespace Live.Edge.Rooms;

/// <summary>The rooms and connections of this Edge process.</summary>
public sealed class RoomRegistry(IOptions<EdgeOptions> options, ILogger<RoomRegistry> logger)
{
    private readonly int writers = options.Value.FanoutWriters > 0 ? options.Value.FanoutWriters : Environment.ProcessorCount;
    private readonly int parallelFanoutMinConnections = options.Value.ParallelFanoutMinConnections;
    private readonly int maxQueuedFramesPerWriter = options.Value.FanoutQueueFrames;
    private readonly ConcurrentDictionary<long, LocalRoom> rooms = new();
    private readonly ConcurrentDictionary<long, EdgeConnection> connections = new();
    private readonly Lock membership = new();

    public ICollection<EdgeConnection> Connections => connections.Values;

    public ICollection<LocalRoom> Rooms => rooms.Values;

    public LocalRoom? Find(long roomId) => rooms.GetValueOrDefault(roomId);

    public EdgeConnection? FindConnection(long connectionId) => connections.GetValueOrDefault(connectionId);

    public (LocalRoom Room, bool FirstConnection, bool FirstOfUser) Join(EdgeConnection connection)
    {
        connections[connection.Id] = connection;
        lock (membership)
        {
            var room = rooms.GetOrAdd(connection.RoomId, id => new LocalRoom(id, writers, parallelFanoutMinConnections, maxQueuedFramesPerWriter, logger));
            var (first, firstOfUser) = room.Add(connection);
            return (room, first, firstOfUser);
        }
    }

    public (bool RoomEmpty, bool LastOfUser) Leave(EdgeConnection connection)
    {
        connections.TryRemove(connection.Id, out _);
        lock (membership)
        {
            if (!rooms.TryGetValue(connection.RoomId, out var room))
            {
                return (false, false);
            }

            var (empty, lastOfUser) = room.Remove(connection);
            if (empty)
            {
                rooms.TryRemove(connection.RoomId, out _);
            }

            return (empty, lastOfUser);
        }
    }
}
