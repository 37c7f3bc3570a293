namespace Live.StatsService.Grpc;

/// <summary>No call is built yet: the generated base answers every one with UNIMPLEMENTED.</summary>
public sealed class StatsGrpcService : Live.V1.StatsService.StatsServiceBase;
