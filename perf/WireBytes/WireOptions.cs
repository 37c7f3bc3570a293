using System.Globalization;

namespace Live.Perf.WireBytes;

public sealed record WireOptions(Uri Edge, Uri RoomService, Uri MessageService, int Messages, int Rate)
{
    public const string Usage = """
        Live.WireBytes: bytes on the wire per room message, binary vs binary+zstd vs JSON, on a running platform.

          --edge ws://127.0.0.1:5105               the Edge (viewers connect straight, as guests)
          --room-service http://127.0.0.1:5101     creates and starts the room
          --message-service http://127.0.0.1:5103  Publish, as services do
          --messages 20000  --rate 2000            messages in all, and per second
        """;

    public static WireOptions? Parse(IReadOnlyList<string> args)
    {
        var options = new WireOptions(new Uri("ws://127.0.0.1:5105"), new Uri("http://127.0.0.1:5101"), new Uri("http://127.0.0.1:5103"), 20_000, 2_000);
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (name == "--help" || i + 1 >= args.Count)
            {
                return null;
            }

            var value = args[++i];
            options = name switch
            {
                "--edge" => options with { Edge = new Uri(value) },
                "--room-service" => options with { RoomService = new Uri(value) },
                "--message-service" => options with { MessageService = new Uri(value) },
                "--messages" => options with { Messages = Positive(name, value, 1_000_000) },
                "--rate" => options with { Rate = Positive(name, value, 50_000) },
                _ => throw new ArgumentException($"unknown option {name}\n{Usage}"),
            };
        }

        return options;
    }

    private static int Positive(string name, string value, int max) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number is > 0 && number <= max
            ? number
            : throw new ArgumentException($"{name} takes a whole number from 1 to {max:N0}, not '{value}'.");
}
