namespace Live.Tools.LoadGen.Clients;

/// <summary>One connected client of a run: it receives, and when it is a sender the pacer makes it send.</summary>
public interface IViewer : IAsyncDisposable
{
    /// <summary>Index of the room (0..rooms-1) the viewer is in.</summary>
    int RoomIndex { get; }

    /// <summary>Completes when the server says the viewer is live (Edge: the resume frame; SignalR: "joined").</summary>
    Task Live { get; }

    /// <summary>
    /// Starts sending one danmaku unless the previous send is still in progress. Called by the pacer thread only.
    /// </summary>
    /// <returns>False when the viewer was still busy with its previous send.</returns>
    bool TrySend(long sendMicros, long number);

    /// <summary>Keeps a viewer that does not send from being closed as idle. Called by the pacer thread only.</summary>
    void SendHeartbeat();
}
