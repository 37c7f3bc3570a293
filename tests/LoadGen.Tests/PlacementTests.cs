using Live.Tools.LoadGen;
using Live.Tools.LoadGen.Clients;

namespace Live.LoadGen.Tests;

/// <summary>The scale simulation's audience (perf/scale/simulate.sh): Zipf rooms, even senders, several Proxies.</summary>
public sealed class PlacementTests
{
    [Fact]
    public void The_exponent_gives_room_1_the_asked_share()
    {
        var exponent = ViewerPlacement.ExponentForTopShare(200, 1.0 / 3);
        var audiences = ViewerPlacement.Audiences(10_000, 200, exponent, minimum: 0);

        Assert.InRange(exponent, 1.2, 1.5);
        Assert.Equal(10_000, audiences.Sum());
        Assert.InRange(audiences[0], 3_332, 3_334);
        Assert.True(audiences.Zip(audiences.Skip(1)).All(pair => pair.First >= pair.Second), "audiences fall with rank");
        Assert.Throws<ArgumentException>(() => ViewerPlacement.ExponentForTopShare(200, 0.004)); // below even (1/200)
        Assert.Throws<ArgumentException>(() => ViewerPlacement.ExponentForTopShare(200, 1));
    }

    [Fact]
    public void Every_room_gets_its_senders_first_and_the_same_seed_gives_the_same_arrivals()
    {
        var options = LoadOptions.Parse(["--viewers", "10000", "--rooms", "200", "--rate", "2000", "--zipf-top-share", "0.3333", "--seed", "7"]);
        var placement = options.Placement();

        Assert.Equal(2, options.SendersPerRoom);
        Assert.Equal(400, placement.Senders);
        Assert.Equal(400, options.EffectiveSenders);
        var senderRooms = placement.RoomOf.Take(400).GroupBy(room => room).ToList();
        Assert.Equal(200, senderRooms.Count);
        Assert.All(senderRooms, room => Assert.Equal(2, room.Count()));

        var perRoom = placement.RoomOf.GroupBy(room => room).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(200, perRoom.Count);
        Assert.InRange(perRoom[0], 3_300, 3_334);
        Assert.All(perRoom.Values, count => Assert.True(count >= 2));

        Assert.Equal(placement.RoomOf, options.Placement().RoomOf);
        var otherSeed = (options with { Seed = 8 }).Placement();
        Assert.NotEqual(placement.RoomOf, otherSeed.RoomOf);
        Assert.Equal(perRoom, otherSeed.RoomOf.GroupBy(room => room).ToDictionary(g => g.Key, g => g.Count()));
    }

    [Fact]
    public void A_placement_that_cannot_give_every_room_its_senders_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            LoadOptions.Parse(["--viewers", "300", "--rooms", "200", "--rate", "2000", "--zipf-top-share", "0.3333"]));
        Assert.Contains("at least 400 viewers", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Clients_alternate_over_the_Proxies_and_keep_the_room_in_the_query()
    {
        var options = LoadOptions.Parse(["--proxy", "https://127.0.0.1:62443,https://127.0.0.1:62444", "--compress"]);

        Assert.Equal(2, options.Proxies.Count);
        Assert.Equal(new Uri("wss://127.0.0.1:62443/ws?room=17&compress=zstd"), EdgeClients.SocketUri(options, 0, 17));
        Assert.Equal(new Uri("wss://127.0.0.1:62444/ws?room=17&compress=zstd"), EdgeClients.SocketUri(options, 1, 17));
        Assert.Equal(new Uri("wss://127.0.0.1:62443/ws?room=5&compress=zstd"), EdgeClients.SocketUri(options, 2, 5));
        Assert.Equal(new Uri("ws://127.0.0.1:5105/ws?room=9"), EdgeClients.SocketUri(LoadOptions.Parse([]), 3, 9));
        Assert.Throws<ArgumentException>(() => LoadOptions.Parse(["--proxy", "https://127.0.0.1:62443,https://10.1.1.1:443"]));
    }

    [Fact]
    public void Plaintext_doors_take_the_sockets_while_logins_stay_on_the_TLS_door()
    {
        var options = LoadOptions.Parse(["--proxy", "https://127.0.0.1:62443", "--ws-door", "ws://127.0.0.1:62091,ws://127.0.0.1:62092"]);

        Assert.Equal(new Uri("https://127.0.0.1:62443"), options.Proxy);
        Assert.Equal(new Uri("ws://127.0.0.1:62091/ws?room=17"), EdgeClients.SocketUri(options, 0, 17));
        Assert.Equal(new Uri("ws://127.0.0.1:62092/ws?room=17"), EdgeClients.SocketUri(options, 1, 17));
        var error = Assert.Throws<ArgumentException>(() => LoadOptions.Parse(["--ws-door", "ws://127.0.0.1:62091"]));
        Assert.Contains("needs --proxy", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Room_ids_from_an_earlier_run_are_reused_only_when_they_match_the_rooms()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "101\n102\n103\n");
            Assert.Equal([101L, 102, 103], EdgeClients.ReadRoomIds(file, 3));
            var error = Assert.Throws<ArgumentException>(() => EdgeClients.ReadRoomIds(file, 200));
            Assert.Contains("holds 3 room id(s)", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
