using System.Diagnostics;
using Google.Protobuf;
using Live.Fuzz;
using Live.Fuzz.RelayMessages;

// Byte 0 picks the direction, the rest is one message of the bidi Relay stream: even, a RelayDown that MessageService
// sends an Edge; odd, a RelayUp that an Edge sends MessageService. gRPC hands a message that does not parse to the
// reader as an RpcException, which both ends catch (the stream breaks and the Edge reconnects), so
// InvalidProtocolBufferException is the documented rejection; a parsed message goes through the code that interprets
// it, where nothing is caught: any exception there is a crash.
using var everySpan = new ActivityListener
{
    // Spans recorded, as when tracing is on, so the traced branches of the code run too.
    ShouldListenTo = source => source.Name.StartsWith("Live.", StringComparison.Ordinal),
    Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
};
ActivitySource.AddActivityListener(everySpan);
return FuzzHost.Run(args, Interpret, RelaySeeds.All);

static void Interpret(byte[] input)
{
    if (input.Length == 0)
    {
        return;
    }

    var toEdge = (input[0] & 1) == 0;
    IMessage message;
    try
    {
        message = toEdge ? Live.V1.RelayDown.Parser.ParseFrom(input.AsSpan(1)) : Live.V1.RelayUp.Parser.ParseFrom(input.AsSpan(1));
    }
    catch (InvalidProtocolBufferException)
    {
        // Not a message: the stream breaks, as when gRPC's deserializer fails.
        return;
    }

    if (toEdge)
    {
        EdgeSide.Interpret((Live.V1.RelayDown)message);
    }
    else
    {
        MessageServiceSide.Interpret((Live.V1.RelayUp)message);
    }
}
