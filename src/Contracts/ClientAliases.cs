// Short names for the generated clients. Written out they are Live.V1.RoomService.RoomServiceClient and so on:
// inside namespace Live.* a bare "RoomService" means the namespace Live.RoomService, not the generated class.
// Projects that call services link this file (<Compile Include="$(RepoRoot)src/Contracts/ClientAliases.cs" />).
global using CommerceServiceClient = Live.V1.CommerceService.CommerceServiceClient;
global using GiftServiceClient = Live.V1.GiftService.GiftServiceClient;
global using MessageServiceClient = Live.V1.MessageService.MessageServiceClient;
global using ModerationAdminClient = Live.V1.ModerationAdmin.ModerationAdminClient;
global using RoomServiceClient = Live.V1.RoomService.RoomServiceClient;
global using StatsServiceClient = Live.V1.StatsService.StatsServiceClient;
global using UserServiceClient = Live.V1.UserService.UserServiceClient;
