using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Live.Protocol;
using Live.V1;

namespace Live.Moderation.Benchmarks;

/// <summary>What the client saw in the measured window. Thread-safe.</summary>
internal sealed class IngestMeasured
{
    private readonly ConcurrentBag<List<double>> latencies = [];
    private readonly ConcurrentDictionary<string, long> rejected = new();
    private long sent;
    private long accepted;

    public long Sent => Volatile.Read(ref sent);
    public long Accepted => Volatile.Read(ref accepted);
    public IReadOnlyDictionary<string, long> Rejected => rejected;

    public List<double> NewLatencyList()
    {
        var list = new List<double>(256 * 1024);
        latencies.Add(list);
        return list;
    }

    public void CountSent() => Interlocked.Increment(ref sent);

    public void CountAccepted() => Interlocked.Increment(ref accepted);

    public void CountRejected(string reason) => rejected.AddOrUpdate(reason, 1, (_, n) => n + 1);

    public double[] LatenciesMs()
    {
        var all = latencies.SelectMany(l => l).ToArray();
        Array.Sort(all);
        return all;
    }
}

/// <summary>The benchmark's clients: Publish callers, or relay streams as Edges open them, over the rooms and a text corpus.</summary>
internal sealed class IngestTraffic(GrpcChannel channel, long[] rooms, string[] corpus, int users, long userBase)
{
    private long nextMessage;
    private long usersOffset;

    /// <summary>Messages/s offered over all relay streams (open loop); 0: as fast as the window allows.</summary>
    public int RatePerSecond { get; init; }

    /// <summary>Fresh users for the measured run, so the warm-up's rate buckets do not carry over.</summary>
    public void NextUsers() => usersOffset += users;

    /// <summary>A distinct message from a user who stays under 10 messages/s: message n goes to user n mod users.</summary>
    public (long UserId, long RoomId, string Content, long Id) Next()
    {
        var id = Interlocked.Increment(ref nextMessage);
        var user = userBase + usersOffset + id % users;
        var text = corpus[(int)(id % corpus.Length)];
        var content = string.Create(CultureInfo.InvariantCulture, $"{(text.Length > 80 ? text[..80] : text)} #{id}");
        return (user, rooms[user % rooms.Length], content, id);
    }

    /// <param name="asUser">Signed in as the sender (moderated like a viewer); otherwise an internal caller (content rules only).</param>
    public async Task PublishAsync(int concurrency, bool asUser, TimeSpan duration, IngestMeasured? measured)
    {
        var client = new MessageServiceClient(channel);
        var secret = Encoding.UTF8.GetBytes(IngestLoad.ProxySecret);
        var deadline = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var workers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            var latencies = measured?.NewLatencyList();
            while (Stopwatch.GetTimestamp() < deadline)
            {
                var (user, room, content, _) = Next();
                var id = user.ToString(CultureInfo.InvariantCulture);
                // As the Proxy signs a signed-in user's call: the message is moderated like a viewer's.
                var headers = asUser ? new Metadata
                {
                    { "x-user-id", id }, { "x-user-name", "bench" }, { "x-user-roles", "viewer" }, { "x-user-level", "1" },
                    { "x-live-identity", Live.ServiceDefaults.Identity.ProxyIdentityProof.Create(secret, DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
                        "/live.v1.MessageService/Publish", id, "bench", "viewer", "1") },
                } : null;
                var begin = Stopwatch.GetTimestamp();
                measured?.CountSent();
                try
                {
                    await client.PublishAsync(new PublishRequest { RoomId = room, Kind = MessageKind.Danmaku, UserId = user, UserName = "bench", Content = content }, headers);
                    latencies?.Add(Stopwatch.GetElapsedTime(begin).TotalMilliseconds);
                    measured?.CountAccepted();
                }
                catch (RpcException ex)
                {
                    measured?.CountRejected(ex.Trailers.GetValue("live-reason") ?? ex.StatusCode.ToString());
                }
            }
        })).ToArray();
        await Task.WhenAll(workers);
    }

    public async Task RelayAsync(int streams, int concurrency, TimeSpan duration, IngestMeasured? measured)
    {
        var window = Math.Max(1, concurrency / streams);
        await Task.WhenAll(Enumerable.Range(0, streams).Select(s => RelayStreamAsync(s, streams, window, duration, measured)));
    }

    /// <summary>One Edge-like relay stream: subscribes its rooms, keeps `window` messages in flight.</summary>
    private async Task RelayStreamAsync(int index, int streams, int window, TimeSpan duration, IngestMeasured? measured)
    {
        var client = new MessageServiceClient(channel);
        using var call = client.Relay();
        await call.ResponseHeadersAsync;
        var mine = rooms.Where((_, i) => i % streams == index).ToHashSet();
        foreach (var room in mine)
        {
            await call.RequestStream.WriteAsync(new RelayUp { Subscribe = new RoomRef { RoomId = room } });
        }

        var inFlight = new ConcurrentDictionary<long, long>();
        using var slots = new SemaphoreSlim(window, window);
        var latencies = measured?.NewLatencyList();
        var reader = Task.Run(async () =>
        {
            using var payload = new PooledBufferWriter(64 * 1024);
            await foreach (var down in call.ResponseStream.ReadAllAsync())
            {
                if (down.KindCase == RelayDown.KindOneofCase.Rejected && inFlight.TryRemove(down.Rejected.ConnectionId, out _))
                {
                    measured?.CountRejected(RejectReasonTable.NameOf(down.Rejected.Reason));
                    slots.Release();
                }
                else if (down.KindCase == RelayDown.KindOneofCase.Batch)
                {
                    var now = Stopwatch.GetTimestamp();
                    foreach (var id in AcceptedIds(down.Batch.Frame.Span, payload))
                    {
                        if (inFlight.TryRemove(id, out var sentAt))
                        {
                            // Only this loop adds to the stream's list; it is read after the stream ends.
                            latencies?.Add((now - sentAt) * 1000.0 / Stopwatch.Frequency);
                            measured?.CountAccepted();
                            slots.Release();
                        }
                    }
                }
            }
        });

        var begin = Stopwatch.GetTimestamp();
        var deadline = begin + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var ticksPerMessage = RatePerSecond > 0 ? (double)Stopwatch.Frequency * streams / RatePerSecond : 0;
        long offered = 0;
        while (Stopwatch.GetTimestamp() < deadline)
        {
            if (ticksPerMessage > 0)
            {
                // Paced by the clock, not by answers: a late sender catches up in a burst, as real clients would.
                var early = begin + (long)(offered++ * ticksPerMessage) - Stopwatch.GetTimestamp();
                if (early > 0)
                {
                    await Task.Delay(TimeSpan.FromSeconds((double)early / Stopwatch.Frequency));
                }
            }

            if (!await slots.WaitAsync(TimeSpan.FromSeconds(5)))
            {
                throw new TimeoutException($"relay stream {index}: {window} messages got no answer for 5 s");
            }

            (long User, long Room, string Content, long Id) next;
            do
            {
                next = Next();
            }
            while (!mine.Contains(next.Room));

            inFlight[next.Id] = Stopwatch.GetTimestamp();
            measured?.CountSent();
            await call.RequestStream.WriteAsync(new RelayUp
            {
                Message = new ClientMessage
                {
                    // The message id stands in for the connection id: a rejection names it.
                    ConnectionId = next.Id, RoomId = next.Room, UserId = next.User, UserName = "bench", Kind = MessageKind.Danmaku,
                    Content = next.Content, UserLevel = 1, ClientIp = ByteString.CopyFrom(127, 0, 0, 1),
                },
            });
        }

        // Let the last window drain (bounded), then end the stream.
        for (var i = 0; i < 100 && !inFlight.IsEmpty; i++)
        {
            await Task.Delay(20);
        }

        await call.RequestStream.CompleteAsync();
        await reader;
    }

    /// <summary>The message ids ("… #id") of the danmaku in a batch frame.</summary>
    private static List<long> AcceptedIds(ReadOnlySpan<byte> frame, PooledBufferWriter payload)
    {
        var ids = new List<long>();
        if (FrameReader.TryReadBatch(frame, out var batch) != DecodeStatus.Ok)
        {
            return ids;
        }

        payload.Reset();
        if (FrameReader.TryGetPayload(batch, payload) != DecodeStatus.Ok)
        {
            return ids;
        }

        var reader = new BatchMessageReader(payload.WrittenSpan);
        while (reader.TryRead(out var message))
        {
            var hash = message.Content.LastIndexOf((byte)'#');
            if (hash >= 0 && long.TryParse(message.Content[(hash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                ids.Add(id);
            }
        }

        return ids;
    }
}
