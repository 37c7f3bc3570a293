using System.Globalization;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Live.Testing;
using Live.V1;

namespace Live.Proxy.Tests;

/// <summary>
/// The README's `buf curl` commands against the services' internal ports: gRPC over h2c, the schema from the
/// server's reflection, JSON in and out, statuses with their reasons.
/// </summary>
[Collection(DefaultEnvironmentCollection.Name)]
public sealed class BufCurlReflectionTests(DefaultEnvironmentFixture fixture)
{
    private ProxyEnvironment Env => fixture.Environment;

    private RoomServiceClient Rooms => Env.InternalRooms;

    private string RoomService(string method) => $"{Env.RoomsV1.GrpcAddress}live.v1.RoomService/{method}";

    private TestHost Host(string name) => name == "room" ? Env.RoomsV1 : Env.Users;

    private static ServiceDescriptor Contract(string name) => name == "room" ? Live.V1.RoomService.Descriptor : Live.V1.UserService.Descriptor;

    [Theory]
    [InlineData("room")]
    [InlineData("user")]
    public async Task List_services_shows_the_service_health_and_reflection(string service)
    {
        var result = await BufCli.CurlH2cAsync("--list-services", Host(service).GrpcAddress.ToString());

        Assert.Equal(0, result.ExitCode);
        Assert.Contains(Contract(service).FullName, result.Lines);
        Assert.Contains("grpc.health.v1.Health", result.Lines);
        Assert.Contains("grpc.reflection.v1.ServerReflection", result.Lines);
    }

    [Theory]
    [InlineData("room")]
    [InlineData("user")]
    public async Task List_methods_shows_exactly_the_contract_s_methods(string service)
    {
        var result = await BufCli.CurlH2cAsync("--list-methods", Host(service).GrpcAddress.ToString());

        var contract = Contract(service);
        Assert.Equal(
            contract.Methods.Select(m => $"{contract.FullName}/{m.Name}").Order(StringComparer.Ordinal),
            result.Lines.Where(line => line.StartsWith(contract.FullName + "/", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        Assert.Contains("grpc.health.v1.Health/Check", result.Lines);
    }

    /// <summary>Older clients (grpcurl before 1.9 among them) know only v1alpha; both must serve the same schema.</summary>
    [Theory]
    [InlineData("grpc-v1")]
    [InlineData("grpc-v1alpha")]
    public async Task Either_reflection_protocol_resolves_a_call(string protocol)
    {
        var id = await NewRoomAsync();

        var result = await BufCli.CurlH2cAsync("--reflect-protocol", protocol, "-d", $$"""{"roomId": {{id}}}""", RoomService("GetRoom"));

        Assert.Equal(id.ToString(CultureInfo.InvariantCulture), result.Json.GetProperty("id").GetString());
    }

    [Theory]
    [InlineData("room")]
    [InlineData("user")]
    public async Task The_health_check_answers_serving(string service)
    {
        var result = await BufCli.CurlH2cAsync("-d", "{}", $"{Host(service).GrpcAddress}grpc.health.v1.Health/Check");

        Assert.Equal("SERVING", result.Json.GetProperty("status").GetString());
    }

    [Fact]
    public async Task CreateRoom_takes_camel_case_json_and_prints_the_room_with_64_bit_ids_as_strings()
    {
        var result = await BufCli.CurlH2cAsync("-d", """{"anchorUserId": 1, "title": "Hello", "category": "chat"}""", RoomService("CreateRoom"));

        var room = result.Json;
        Assert.True(long.Parse(room.GetProperty("id").GetString()!, CultureInfo.InvariantCulture) > 0);
        Assert.Equal("1", room.GetProperty("anchorUserId").GetString());
        Assert.Equal("Hello", room.GetProperty("title").GetString());
        Assert.Equal("chat", room.GetProperty("category").GetString());
        Assert.Equal("ROOM_STATUS_IDLE", room.GetProperty("status").GetString());
        Assert.True(room.TryGetProperty("createdAt", out _));
    }

    [Fact]
    public async Task StartLive_then_JoinRoom_then_GetRoom_then_StopLive_as_in_the_readme()
    {
        var id = await NewRoomAsync();
        var roomId = $$"""{"roomId": {{id}}}""";

        var live = await BufCli.CurlH2cAsync("-d", roomId, RoomService("StartLive"));
        Assert.Equal("ROOM_STATUS_LIVE", live.Json.GetProperty("status").GetString());
        Assert.True(live.Json.TryGetProperty("startedAt", out _));

        var joined = await BufCli.CurlH2cAsync("-d", $$"""{"roomId": {{id}}, "userId": 1001}""", RoomService("JoinRoom"));
        Assert.Equal("1", joined.Json.GetProperty("viewers").GetString());

        var read = await BufCli.CurlH2cAsync("-d", roomId, RoomService("GetRoom"));
        Assert.Equal(id.ToString(CultureInfo.InvariantCulture), read.Json.GetProperty("id").GetString());
        Assert.Equal("1", read.Json.GetProperty("viewerCount").GetString());

        var stopped = await BufCli.CurlH2cAsync("-d", roomId, RoomService("StopLive"));
        Assert.Equal("ROOM_STATUS_ENDED", stopped.Json.GetProperty("status").GetString());
        Assert.Equal("1", stopped.Json.GetProperty("peakViewers").GetString());
    }

    [Fact]
    public async Task Proto_field_names_and_ids_as_strings_are_accepted_too()
    {
        var id = await NewRoomAsync();

        var result = await BufCli.CurlH2cAsync("-d", $$"""{"room_id": "{{id}}"}""", RoomService("GetRoom"));

        Assert.Equal(id.ToString(CultureInfo.InvariantCulture), result.Json.GetProperty("id").GetString());
    }

    [Fact]
    public async Task Emit_defaults_prints_fields_at_their_zero_value()
    {
        var id = await NewRoomAsync();

        var plain = await BufCli.CurlH2cAsync("-d", $$"""{"roomId": {{id}}}""", RoomService("GetRoom"));
        var withDefaults = await BufCli.CurlH2cAsync("--emit-defaults", "-d", $$"""{"roomId": {{id}}}""", RoomService("GetRoom"));

        Assert.False(plain.Json.TryGetProperty("coverUrl", out _));
        Assert.Equal(string.Empty, withDefaults.Json.GetProperty("coverUrl").GetString());
        Assert.Equal("0", withDefaults.Json.GetProperty("peakViewers").GetString());
    }

    [Fact]
    public async Task The_request_can_come_from_stdin()
    {
        var id = await NewRoomAsync();

        var result = await BufCli.RunAsync(
            ["curl", "--protocol", "grpc", "--http2-prior-knowledge", "-d", "@-", RoomService("GetRoom")],
            stdin: $$"""{"roomId": {{id}}}""");

        Assert.Equal(id.ToString(CultureInfo.InvariantCulture), result.Json.GetProperty("id").GetString());
    }

    [Fact]
    public async Task The_request_can_come_from_a_file()
    {
        var id = await NewRoomAsync();
        var file = Path.Combine(Path.GetTempPath(), $"live-buf-request-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, $$"""{"roomId": {{id}}}""");
        try
        {
            var result = await BufCli.CurlH2cAsync("-d", "@" + file, RoomService("GetRoom"));

            Assert.Equal(id.ToString(CultureInfo.InvariantCulture), result.Json.GetProperty("id").GetString());
        }
        finally
        {
            File.Delete(file);
        }
    }

    public static TheoryData<string, string, StatusCode, string, string> Refusals() => new()
    {
        { "StartLive", """{"roomId": ROOM}""", StatusCode.FailedPrecondition, "failed_precondition", "room ROOM cannot go live: it is already live." },
        { "GetRoom", """{"roomId": 1}""", StatusCode.NotFound, "not_found", "room 1 does not exist." },
        { "CreateRoom", """{"anchorUserId": 1, "title": "", "category": "chat"}""", StatusCode.InvalidArgument, "invalid_argument", "title must not be empty." },
        { "JoinRoom", """{"roomId": IDLE, "userId": 5}""", StatusCode.FailedPrecondition, "failed_precondition", "room IDLE is not live; viewers can join only while it is." },
        { "StopLive", """{"roomId": IDLE}""", StatusCode.FailedPrecondition, "failed_precondition", "room IDLE cannot be stopped: it is idle, not live." },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task A_refused_call_prints_its_status_and_reason_and_exits_with_the_code_shifted_by_three(
        string method, string request, StatusCode status, string code, string message)
    {
        var live = await NewRoomAsync();
        await Rooms.StartLiveAsync(new StartLiveRequest { RoomId = live });
        var idle = await NewRoomAsync();
        string Fill(string text) => text.Replace("ROOM", live.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("IDLE", idle.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);

        var result = await BufCli.CurlH2cAsync("-d", Fill(request), RoomService(method));

        Assert.Equal((int)status << 3, result.ExitCode);
        Assert.Equal(status, result.Status);
        Assert.Equal((code, Fill(message)), result.RpcError);
        Assert.Empty(result.Output);
    }

    [Fact]
    public async Task A_header_reaches_the_service_and_unsigned_identity_is_refused_with_a_reason()
    {
        var result = await BufCli.CurlH2cAsync("-H", "x-user-id: 42", "-H", "x-user-roles: admin",
            "-d", """{"anchorUserId": 42, "title": "x", "category": "chat"}""", RoomService("CreateRoom"));

        Assert.Equal(StatusCode.Unauthenticated, result.Status);
        Assert.Contains("Caller identity refused", result.RpcError.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_field_is_a_usage_error_naming_the_field()
    {
        var result = await BufCli.CurlH2cAsync("-d", """{"roomId": 1, "bogus": 1}""", RoomService("GetRoom"));

        Assert.InRange(result.ExitCode, 1, 7);
        Assert.Contains("unknown field \"bogus\"", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_method_is_named_from_the_reflected_schema()
    {
        var result = await BufCli.CurlH2cAsync(RoomService("DeleteEverything"));

        Assert.InRange(result.ExitCode, 1, 7);
        Assert.Contains("\"live.v1.RoomService\" contains no such method", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_port_where_nothing_listens_is_reported_as_unavailable()
    {
        var result = await BufCli.CurlH2cAsync("--list-services", $"http://127.0.0.1:{TestEnvironment.FreeTcpPort()}");

        Assert.InRange(result.ExitCode, 1, 7);
        Assert.Contains("unavailable", result.Error, StringComparison.Ordinal);
    }

    private async Task<long> NewRoomAsync() =>
        (await Rooms.CreateRoomAsync(new CreateRoomRequest { AnchorUserId = 1, Title = "buf curl", Category = "chat" })).Id;
}
