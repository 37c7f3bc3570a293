namespace Live.UserService.Grpc;

/// <summary>No call is built yet: the generated base answers every one with UNIMPLEMENTED.</summary>
public sealed class UserGrpcService : Live.V1.UserService.UserServiceBase;
