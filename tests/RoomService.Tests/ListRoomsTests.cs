using Live.V1;

namespace Live.RoomService.Tests;

public sealed class ListRoomsTests(RoomServiceFixture fixture) : IClassFixture<RoomServiceFixture>
{
    private readonly RoomServiceClient client = fixture.Client;

    [Fact]
    public async Task Pages_walk_a_filtered_list_newest_first_without_gaps_or_repeats()
    {
        var created = new List<long>();
        for (var i = 0; i < 7; i++)
        {
            var room = await client.CreateRoomAsync(new CreateRoomRequest { AnchorUserId = 1, Title = $"sports {i}", Category = "sports" });
            if (i % 2 == 0)
            {
                await client.StartLiveAsync(new StartLiveRequest { RoomId = room.Id });
                created.Add(room.Id);
            }
        }

        await client.CreateRoomAsync(new CreateRoomRequest { AnchorUserId = 1, Title = "other", Category = "outdoor" });
        var other = await client.CreateRoomAsync(new CreateRoomRequest { AnchorUserId = 1, Title = "other live", Category = "outdoor" });
        await client.StartLiveAsync(new StartLiveRequest { RoomId = other.Id });
        await client.JoinRoomAsync(new JoinRoomRequest { RoomId = created[0], UserId = 5 });

        var seen = new List<Room>();
        var token = string.Empty;
        var pages = 0;
        do
        {
            var page = await client.ListRoomsAsync(new ListRoomsRequest
            {
                Status = RoomStatus.Live,
                Category = "sports",
                Page = new PageRequest { PageSize = 3, PageToken = token },
            });
            seen.AddRange(page.Rooms);
            token = page.Page.NextPageToken;
            pages++;
        }
        while (token.Length > 0);

        Assert.Equal(2, pages);
        Assert.Equal(created.OrderByDescending(id => id), seen.Select(r => r.Id));
        Assert.All(seen, r => Assert.Equal(RoomStatus.Live, r.Status));
        Assert.Equal(1, seen.Single(r => r.Id == created[0]).ViewerCount);
    }
}
