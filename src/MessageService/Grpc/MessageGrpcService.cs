namespace Live.MessageService.Grpc;

/// <summary>No call is built yet: the generated base answers every one with UNIMPLEMENTED.</summary>
public sealed class MessageGrpcService : Live.V1.MessageService.MessageServiceBase;
