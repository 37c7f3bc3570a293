export { createPlatformClients, createPlatformTransport, type PlatformClients, type PlatformClientOptions, type AccessTokenSource } from "./clients.js";
export { AuthSession, REFRESH_COOKIE_HEADER, type AuthSessionOptions, type RefreshTokenStorage, type RegisterInput, type SessionState } from "./auth/session.js";
export {
  RoomConnection, SUBPROTOCOL, TOKEN_SUBPROTOCOL_PREFIX,
  type ConnectionState, type NotRecovered, type RoomConnectionEvent, type RoomConnectionEvents, type RoomConnectionOptions,
  type RoomPassEvent, type StateChange, type WebSocketFactory, type WebSocketLike,
} from "./room/connection.js";
export {
  decodeBinaryFrame, decodeJsonFrame, encodeDanmaku, encodeHeartbeat, encodeJsonDanmaku, FrameType,
  type DecodeResult, type RoomMessage, type RoomMessageKind, type ServerError, type ServerFrame,
} from "./room/frames.js";
export { encodeAck, encodeJsonAck, type InboxKind, type InboxMessage } from "./room/inbox.js";
export { formatTraceparent, newTraceContext, parseTraceparent, type TraceContext, type TracingOptions } from "./room/trace.js";
export { fullJitterDelay, type BackoffOptions } from "./room/backoff.js";
export { describeError } from "./errors.js";
export { ConnectError, Code } from "@connectrpc/connect";
export * from "./gen/live/v1/commerce_pb.js";
export * from "./gen/live/v1/common_pb.js";
export * from "./gen/live/v1/gift_pb.js";
// Not `export *`: the generated InboxMessage and InboxKind would clash with the room connection's (room/inbox.ts).
export { InboxService, InboxKind as InboxKindNumber, type InboxMessage as StoredInboxMessage } from "./gen/live/v1/inbox_pb.js";
export * from "./gen/live/v1/message_pb.js";
export * from "./gen/live/v1/moderation_pb.js";
export * from "./gen/live/v1/room_pb.js";
export * from "./gen/live/v1/stats_pb.js";
export * from "./gen/live/v1/user_pb.js";
