using Grpc.Core;
using Live.V1;

namespace Live.RoomService.Tests;

public sealed class ValidationTests(RoomServiceFixture fixture) : IClassFixture<RoomServiceFixture>
{
    private readonly RoomServiceClient client = fixture.Client;

    public static TheoryData<string, CreateRoomRequest, string> InvalidCreates() => new()
    {
        { "empty title", new CreateRoomRequest { AnchorUserId = 1, Title = "", Category = "chat" }, "title must not be empty" },
        { "blank title", new CreateRoomRequest { AnchorUserId = 1, Title = "   ", Category = "chat" }, "title must not be empty" },
        { "long title", new CreateRoomRequest { AnchorUserId = 1, Title = new string('a', 101), Category = "chat" }, "title is 101 characters; the maximum is 100" },
        { "control character", new CreateRoomRequest { AnchorUserId = 1, Title = "a\u0007b", Category = "chat" }, "control characters" },
        { "unknown category", new CreateRoomRequest { AnchorUserId = 1, Title = "t", Category = "cooking" }, "category 'cooking' is unknown; expected one of: chat, gaming, music, sports, education, outdoor, shopping." },
        { "no category", new CreateRoomRequest { AnchorUserId = 1, Title = "t" }, "category is required" },
        { "zero anchor", new CreateRoomRequest { AnchorUserId = 0, Title = "t", Category = "chat" }, "anchor_user_id must be a positive id; got 0" },
        { "negative anchor", new CreateRoomRequest { AnchorUserId = -5, Title = "t", Category = "chat" }, "anchor_user_id must be a positive id; got -5" },
        { "bad cover", new CreateRoomRequest { AnchorUserId = 1, Title = "t", Category = "chat", CoverUrl = "ftp://x/y.png" }, "cover_url must be an absolute http or https URL" },
    };

    [Theory]
    [MemberData(nameof(InvalidCreates))]
    public async Task Invalid_rooms_are_rejected_with_the_rule(string because, CreateRoomRequest request, string reason)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => client.CreateRoomAsync(request).ResponseAsync);
        Assert.True(error.StatusCode == StatusCode.InvalidArgument, because);
        Assert.Contains(reason, error.Status.Detail);
    }

    [Fact]
    public async Task A_title_of_exactly_the_maximum_counts_characters_not_code_units()
    {
        var emoji = string.Concat(Enumerable.Repeat("\U0001F600", 100));
        var room = await client.CreateRoomAsync(new CreateRoomRequest { AnchorUserId = 1, Title = emoji, Category = "chat" });
        Assert.Equal(emoji, room.Title);
    }

    [Fact]
    public async Task Bad_ids_and_paging_are_invalid_arguments()
    {
        var calls = new (Func<Task> Call, string Reason)[]
        {
            (() => client.GetRoomAsync(new GetRoomRequest { RoomId = 0 }).ResponseAsync, "room_id must be a positive id; got 0"),
            (() => client.StartLiveAsync(new StartLiveRequest { RoomId = -1 }).ResponseAsync, "room_id must be a positive id; got -1"),
            (() => client.JoinRoomAsync(new JoinRoomRequest { RoomId = 1, UserId = 0 }).ResponseAsync, "user_id must be a positive id"),
            (() => client.ListRoomsAsync(new ListRoomsRequest { Page = new PageRequest { PageSize = 101 } }).ResponseAsync, "page_size must be between 0 and 100"),
            (() => client.ListRoomsAsync(new ListRoomsRequest { Page = new PageRequest { PageToken = "not-a-token" } }).ResponseAsync, "page_token is not a token returned by ListRooms"),
            (() => client.ListRoomsAsync(new ListRoomsRequest { Status = (RoomStatus)42 }).ResponseAsync, "status 42 is not a RoomStatus"),
            (() => client.ListRoomsAsync(new ListRoomsRequest { Category = "nope" }).ResponseAsync, "category 'nope' is unknown"),
        };
        foreach (var (call, reason) in calls)
        {
            var error = await Assert.ThrowsAsync<RpcException>(call);
            Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
            Assert.Contains(reason, error.Status.Detail);
        }
    }
}
