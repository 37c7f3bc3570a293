using System.Buffers;
using Google.Protobuf;
using Live.Protocol;
using Live.V1;

namespace Live.Fuzz.RelayMessages;

/// <summary>The seed corpus: each kind of RelayDown and RelayUp as the services make them, with the direction byte.</summary>
public static class RelaySeeds
{
    public static IEnumerable<(string Name, byte[] Bytes)> All()
    {
        using var encoder = new BatchEncoder(compressionThreshold: 0);
        var payload = new ArrayBufferWriter<byte>();
        for (var seq = 5; seq <= 10; seq++)
        {
            FrameWriter.WriteMessage(payload, seq == 8 ? FrameType.Gift : FrameType.Danmaku, 1_700_000_000_000, 1000 + seq, 7, seq,
                $"user{seq}", "hello hello 世界", "#ffffff");
        }

        var batch = encoder.Encode(7, 1_700_000_000_000, 5, 10, 6, 0, payload.WrittenSpan);
        yield return Down("batch", new RelayDown
        {
            Batch = new RoomBatch
            {
                RoomId = 7, FirstSeq = 5, LastSeq = 10, MessageCount = 6, HasPriority = true, OldestAcceptedMs = 1_700_000_000_000,
                Frame = ByteString.CopyFrom(batch.Frame), CompressedFrame = ByteString.CopyFrom(batch.CompressedFrame ?? []),
            },
        });
        yield return Down("subscribed", new RelayDown { Subscribed = new Subscribed { RoomId = 7, LatestSeq = 10, Epoch = 3 } });
        yield return Down("rejected", new RelayDown
        {
            Rejected = new MessageRejected
            {
                ConnectionId = 1, RoomId = 7, Reason = RejectReason.SlowMode, Detail = "slow mode; retry in 2.3 s.", RetryAfterMs = 2300, Disconnect = true,
            },
        });
        yield return Down("own", new RelayDown
        {
            Own = new ConnectionFrame
            {
                ConnectionId = 1, RoomId = 7,
                Frame = ByteString.CopyFrom(FrameWriter.EncodeMessage(FrameType.Danmaku, 1, 1001, 7, 11, "alice", "shadow", null)),
            },
        });
        yield return Down("control-resume", new RelayDown
        {
            Control = new RoomControl { RoomId = 7, Frame = ByteString.CopyFrom(FrameWriter.EncodeMessage(FrameType.Resume, 1, 4, 7, 10, null, null, null)) },
        });
        yield return Down("control-delete", new RelayDown
        {
            Control = new RoomControl { RoomId = 7, Frame = ByteString.CopyFrom(FrameWriter.EncodeControl(FrameType.Delete, 1, 7, 9)) },
        });
        yield return Down("user", new RelayDown
        {
            User = new UserFrame { UserId = 1001, Seq = 2, Frame = ByteString.CopyFrom(FrameWriter.EncodeUserMessage(2, 1, 1, "mod", 7, 600, 1, "timed out")) },
        });
        yield return Down("user-subscribed", new RelayDown { UserSubscribed = new UserRef { UserId = 1001 } });

        yield return Up("message", new RelayUp
        {
            Message = new ClientMessage
            {
                ConnectionId = 1, RoomId = 7, UserId = 1001, UserName = "alice", Kind = MessageKind.Danmaku, Content = "hello",
                Color = "#FFFFFF", UserLevel = 3, ClientIp = ByteString.CopyFrom(127, 0, 0, 1),
                Traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            },
        });
        yield return Up("subscribe", new RelayUp { Subscribe = new RoomRef { RoomId = 7 } });
        yield return Up("unsubscribe", new RelayUp { Unsubscribe = new RoomRef { RoomId = 7 } });
        yield return Up("user-online", new RelayUp { UserOnline = new UserRef { UserId = 1001 } });
        yield return Up("user-offline", new RelayUp { UserOffline = new UserRef { UserId = 1001 } });
    }

    private static (string, byte[]) Down(string name, RelayDown message) => ("down-" + name, [0, .. message.ToByteArray()]);

    private static (string, byte[]) Up(string name, RelayUp message) => ("up-" + name, [1, .. message.ToByteArray()]);
}
