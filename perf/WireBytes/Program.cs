using System.Diagnostics;
using System.Globalization;
using Grpc.Net.Client;
using Live.Perf.WireBytes;
using Live.V1;

// Publishes the same realistic danmaku into one live room while three guest viewers watch it straight from the
// Edge, one per wire form, and prints the bytes each received per delivered message.
var options = WireOptions.Parse(args);
if (options is null)
{
    Console.WriteLine(WireOptions.Usage);
    return args.Contains("--help") ? 0 : 1;
}

using var roomChannel = GrpcChannel.ForAddress(options.RoomService);
using var messageChannel = GrpcChannel.ForAddress(options.MessageService);
var rooms = new RoomServiceClient(roomChannel);
var messages = new MessageServiceClient(messageChannel);

var room = await rooms.CreateRoomAsync(new CreateRoomRequest { AnchorUserId = 1, Title = "wire bytes", Category = "chat" });
await rooms.StartLiveAsync(new StartLiveRequest { RoomId = room.Id });
Console.WriteLine($"room {room.Id}: {options.Messages:N0} messages at {options.Rate:N0}/s, viewers on {options.Edge}");

WireViewer[] viewers =
[
    new("binary", WireForm.Binary),
    new("binary+zstd", WireForm.Zstd),
    new("json", WireForm.Json),
];
try
{
    foreach (var viewer in viewers)
    {
        await viewer.ConnectAsync(options.Edge, room.Id);
    }

    var corpus = new DanmakuCorpus(seed: 20261205);
    var clock = Stopwatch.StartNew();
    var lastSeq = 0L;
    var sent = 0;
    var inFlight = new List<Task<PublishResponse>>(options.Rate / 100 + 1);
    while (sent < options.Messages)
    {
        // Ten-millisecond slices at the requested rate: batches fill as they would from many senders.
        var due = Math.Min(options.Messages, (int)(clock.Elapsed.TotalSeconds * options.Rate) + 1);
        inFlight.Clear();
        for (; sent < due; sent++)
        {
            var (userId, name, content, color) = corpus.Next();
            inFlight.Add(messages.PublishAsync(new PublishRequest
            {
                RoomId = room.Id, Kind = MessageKind.Danmaku, UserId = userId, UserName = name, Content = content, Color = color,
            }).ResponseAsync);
        }

        foreach (var response in await Task.WhenAll(inFlight))
        {
            lastSeq = Math.Max(lastSeq, response.Seq);
        }

        if (sent % Math.Max(1, options.Messages / 10) < inFlight.Count)
        {
            Console.WriteLine($"  published {sent:N0} ({clock.Elapsed.TotalSeconds:0.0} s)");
        }

        await Task.Delay(10);
    }

    var achieved = sent / clock.Elapsed.TotalSeconds;
    foreach (var viewer in viewers)
    {
        if (!await viewer.WaitForSeqAsync(lastSeq, TimeSpan.FromSeconds(30)))
        {
            Console.WriteLine($"  {viewer.Name} saw seq {viewer.LastSeq} of {lastSeq} within 30 s");
        }
    }

    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"published {sent:N0} at {achieved:N0}/s; mean content {corpus.MeanContentBytes:0.0} UTF-8 bytes"));
    Console.WriteLine("| form | frames | messages delivered | msgs/frame | bytes (payload + WS header) | bytes/message | vs JSON |");
    Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    var json = viewers[2].BytesPerMessage;
    foreach (var viewer in viewers)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {viewer.Name} | {viewer.Frames:N0} | {viewer.Delivered:N0} | {(double)viewer.Delivered / Math.Max(1, viewer.Frames):0.0} | {viewer.WireBytes:N0} | {viewer.BytesPerMessage:0.0} | {(viewer.BytesPerMessage / json - 1):+0.0%;-0.0%;0%} |"));
    }
}
finally
{
    foreach (var viewer in viewers)
    {
        await viewer.DisposeAsync();
    }

    await rooms.StopLiveAsync(new StopLiveRequest { RoomId = room.Id });
}

return 0;
