using System.Globalization;
using Google.Protobuf.Reflection;
using Live.V1;

namespace Live.Proxy.Tests;

/// <summary>
/// `buf curl --schema protos`: the schema from the repository's .proto files instead of reflection, as for the
/// Proxy, which serves none. Listing needs no server at all.
/// </summary>
[Collection(DefaultEnvironmentCollection.Name)]
public sealed class BufCurlSchemaTests(DefaultEnvironmentFixture fixture)
{
    private static readonly ServiceDescriptor[] Services =
    [
        Live.V1.RoomService.Descriptor, Live.V1.UserService.Descriptor, Live.V1.MessageService.Descriptor,
        Live.V1.StatsService.Descriptor, GiftService.Descriptor, ModerationAdmin.Descriptor, Live.V1.CommerceService.Descriptor,
        Live.V1.InboxService.Descriptor,
    ];

    public static TheoryData<string> ServiceNames() => [.. Services.Select(s => s.FullName)];

    [Fact]
    public async Task List_services_needs_no_server_and_shows_every_service_of_the_contract()
    {
        var result = await BufCli.RunAsync(["curl", "--schema", "protos", "--list-services"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(Services.Select(s => s.FullName).Order(StringComparer.Ordinal), result.Lines.Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(ServiceNames))]
    public async Task List_methods_from_protos_matches_the_compiled_contract(string service)
    {
        var result = await BufCli.RunAsync(["curl", "--schema", "protos", "--list-methods"]);

        var contract = Services.Single(s => s.FullName == service);
        Assert.Equal(
            contract.Methods.Select(m => $"{service}/{m.Name}").Order(StringComparer.Ordinal),
            result.Lines.Where(line => line.StartsWith(service + "/", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_call_with_the_schema_from_protos_does_not_use_reflection()
    {
        var room = await fixture.Environment.InternalRooms
            .CreateRoomAsync(new CreateRoomRequest { AnchorUserId = 3, Title = "from protos", Category = "chat" });

        var result = await BufCli.CurlH2cAsync("--schema", "protos", "-v", "-d", $$"""{"roomId": {{room.Id}}}""",
            $"{fixture.Environment.RoomsV1.GrpcAddress}live.v1.RoomService/GetRoom");

        Assert.Equal(room.Id.ToString(CultureInfo.InvariantCulture), result.Json.GetProperty("id").GetString());
        Assert.Equal("from protos", result.Json.GetProperty("title").GetString());
        Assert.DoesNotContain("ServerReflection", result.Error, StringComparison.Ordinal);
    }
}
