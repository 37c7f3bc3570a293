using Live.V1;

namespace Live.Protocol;

/// <summary>
/// The one table between the contract's <see cref="MessageKind"/> and the frame type that carries it. A kind
/// this build does not know (or none) travels as danmaku, the ordinary, droppable kind; a frame type that is
/// not a room message reads as danmaku too. Lookups are an array index.
/// </summary>
public static class MessageKindTable
{
    private static readonly (MessageKind Kind, FrameType Type)[] Pairs =
    [
        (MessageKind.Danmaku, FrameType.Danmaku),
        (MessageKind.Gift, FrameType.Gift),
        (MessageKind.System, FrameType.System),
    ];

    private static readonly FrameType[] TypeByKind = BuildTypes();
    private static readonly MessageKind[] KindByType = BuildKinds();

    public static FrameType FrameTypeOf(MessageKind kind) => (uint)kind < (uint)TypeByKind.Length ? TypeByKind[(int)kind] : FrameType.Danmaku;

    public static MessageKind KindOf(FrameType type) => (uint)type < (uint)KindByType.Length ? KindByType[(int)type] : MessageKind.Danmaku;

    /// <summary>The kind's name: its frame type's JSON name ("danmaku", "gift", "system"), also the "kind" metric tag.</summary>
    public static string NameOf(MessageKind kind) => JsonFrames.TypeName(FrameTypeOf(kind));

    private static FrameType[] BuildTypes()
    {
        var types = new FrameType[Pairs.Max(pair => (int)pair.Kind) + 1];
        Array.Fill(types, FrameType.Danmaku);
        foreach (var (kind, type) in Pairs)
        {
            types[(int)kind] = type;
        }

        return types;
    }

    private static MessageKind[] BuildKinds()
    {
        var kinds = new MessageKind[Pairs.Max(pair => (int)pair.Type) + 1];
        Array.Fill(kinds, MessageKind.Danmaku);
        foreach (var (kind, type) in Pairs)
        {
            kinds[(int)type] = kind;
        }

        return kinds;
    }
}
