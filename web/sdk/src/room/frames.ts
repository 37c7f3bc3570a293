import { decompress } from "fzstd";
import { inboxKind, jsonInboxMessage, USER_MESSAGE_TAIL_SIZE, type InboxMessage } from "./inbox.js";
import { checkContext, formatTraceparent, TRACE_CONTEXT_SIZE, writeTraceContext, type TraceContext } from "./trace.js";

/**
 * The room WebSocket protocol of docs/protocol.md: binary frames (big-endian, 37-byte header) and their JSON
 * text form. Decoding never throws: untrusted bytes yield `{ ok: false, reason }`.
 */
export const FrameType = {
  Danmaku: 0x01,
  Heartbeat: 0x02,
  Gift: 0x03,
  System: 0x04,
  JoinNotice: 0x05,
  LeaveNotice: 0x06,
  Error: 0x07,
  Batch: 0x08,
  Resume: 0x09,
  Delete: 0x0a,
  NotRecovered: 0x0b,
  OnlineCount: 0x0c,
  RoomPass: 0x0d,
  UserMessage: 0x0e,
  Ack: 0x0f,
} as const;

export const MAGIC = 0xabcd;
export const VERSION = 1;
export const HEADER_SIZE = 37;
export const BATCH_HEADER_SIZE = HEADER_SIZE + 20;
/** A batch never inflates beyond this, whatever its header claims. */
export const MAX_BATCH_PAYLOAD_BYTES = 4 * 1024 * 1024;

/** Types above this are newer than this SDK (decoded as "unknown" and ignored); batches never hold them. */
const LAST_KNOWN_TYPE = FrameType.UserMessage;
const FLAG_COMPRESSED = 0x01;
const FLAG_BATCH = 0x02;
const FLAG_TRACED = 0x04;

export type RoomMessageKind = "danmaku" | "gift" | "system";

/** A message of the room: what the overlay and the chat column show. Text is untrusted: render it as text. */
export interface RoomMessage {
  readonly kind: RoomMessageKind;
  readonly seq: number;
  readonly roomId: number;
  /** When the server accepted it (Unix ms). */
  readonly timestampMs: number;
  /** The sender; 0 for the server's own messages. */
  readonly userId: number;
  readonly userName: string;
  readonly content: string;
  /** As sent (`#RRGGBB` when moderation accepted it); validate before use as a colour. */
  readonly color: string;
}

export interface ServerError {
  /** The numeric code (docs/protocol.md, error frames). */
  readonly code: number;
  /** The stable snake_case name, e.g. "slow_mode". */
  readonly reason: string;
  /** The reason for people. */
  readonly message: string;
  /** When a retry can succeed, in ms from now; 0 when the refusal does not lift by itself. */
  readonly retryAfterMs: number;
}

export type ServerFrame =
  | { readonly type: "batch"; readonly roomId: number; readonly firstSeq: number; readonly lastSeq: number; readonly sampledOut: number; readonly messages: readonly RoomMessage[] }
  | { readonly type: "message"; readonly message: RoomMessage }
  | { readonly type: "heartbeat" }
  | { readonly type: "error"; readonly error: ServerError }
  /** Live traffic continues after `seq` of `epoch` (0: the room's stream has no epoch yet). */
  | { readonly type: "resume"; readonly seq: number; readonly epoch: number }
  | { readonly type: "delete"; readonly seq: number }
  /** Lost up to `seq`; `epoch` is the epoch the connection is in from now on (a different one: the stream was reset). */
  | { readonly type: "notRecovered"; readonly seq: number; readonly epoch: number; readonly reason: string }
  | { readonly type: "online"; readonly viewers: number }
  | { readonly type: "notice"; readonly kind: "join" | "leave"; readonly userName: string }
  /** Proof that this signed-in user is in the room, for buying in its flash sales; `expiresAt` in Unix ms. */
  | { readonly type: "roomPass"; readonly pass: string; readonly expiresAt: number; readonly userId: number }
  /** A message to this signed-in user (not to the room), numbered in the user's own seq. */
  | { readonly type: "inbox"; readonly message: InboxMessage }
  /** A frame type newer than this SDK: ignored, so servers can add frames without breaking older clients. */
  | { readonly type: "unknown"; readonly frameType: string };

export type DecodeResult =
  | { readonly ok: true; readonly frame: ServerFrame }
  | { readonly ok: false; readonly reason: string };

const utf8 = new TextDecoder("utf-8", { fatal: true });
const utf8Encoder = new TextEncoder();

function fail(reason: string): DecodeResult {
  return { ok: false, reason };
}

/** Decodes one binary WebSocket message from the server. */
export function decodeBinaryFrame(bytes: Uint8Array): DecodeResult {
  try {
    return decodeBinaryUnchecked(bytes);
  } catch (error) {
    return fail(`undecodable frame: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function decodeBinaryUnchecked(bytes: Uint8Array): DecodeResult {
  const header = readHeader(bytes);
  if (typeof header === "string") {
    return fail(header);
  }
  if (header.type > LAST_KNOWN_TYPE) {
    return { ok: true, frame: { type: "unknown", frameType: String(header.type) } };
  }
  if (header.type === FrameType.Batch) {
    return decodeBatch(bytes, header.flags);
  }
  const parsed = readMessage(bytes, 0);
  if (typeof parsed === "string") {
    return fail(parsed);
  }
  if (header.type === FrameType.UserMessage) {
    return userMessage(bytes, parsed);
  }
  if (parsed.end !== bytes.length) {
    return fail("bytes follow the end of the frame");
  }
  return { ok: true, frame: toFrame(parsed) };
}

interface Header {
  readonly type: number;
  readonly flags: number;
}

function readHeader(bytes: Uint8Array): Header | string {
  if (bytes.length < HEADER_SIZE) {
    return "frame is shorter than its header";
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint16(0) !== MAGIC) {
    return "frame does not start with magic 0xABCD";
  }
  if (bytes[2] !== VERSION) {
    return `unsupported protocol version ${bytes[2]}`;
  }
  const type = bytes[3]!;
  if (type < FrameType.Danmaku) {
    return `unknown frame type ${type}`;
  }
  const flags = bytes[4]!;
  const valid = type === FrameType.Batch
    ? (flags & ~(FLAG_BATCH | FLAG_COMPRESSED)) === 0 && (flags & FLAG_BATCH) !== 0
    : flags === 0;
  return valid ? { type, flags } : "flags do not match the frame type";
}

interface ParsedMessage {
  readonly type: number;
  readonly timestampMs: number;
  readonly userId: number;
  readonly roomId: number;
  readonly seq: number;
  readonly userName: string;
  readonly content: string;
  readonly color: string;
  readonly end: number;
}

function readMessage(bytes: Uint8Array, start: number): ParsedMessage | string {
  const header = readHeader(bytes.subarray(start));
  if (typeof header === "string") {
    return header;
  }
  if (header.type === FrameType.Batch) {
    return "a batch inside a batch";
  }
  if (start > 0 && (header.type > LAST_KNOWN_TYPE || header.type === FrameType.UserMessage)) {
    return `unknown frame type ${header.type}`;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = start + HEADER_SIZE;
  const fields: string[] = [];
  for (let i = 0; i < 3; i++) {
    if (bytes.length - offset < 2) {
      return "frame is shorter than its declared fields";
    }
    const length = view.getUint16(offset);
    offset += 2;
    if (length > bytes.length - offset) {
      return "a length field points past the end of the frame";
    }
    try {
      fields.push(utf8.decode(bytes.subarray(offset, offset + length)));
    } catch {
      return "a text field is not valid UTF-8";
    }
    offset += length;
  }
  return {
    type: header.type,
    timestampMs: Number(view.getBigInt64(start + 5)),
    userId: Number(view.getBigInt64(start + 13)),
    roomId: Number(view.getBigInt64(start + 21)),
    seq: Number(view.getBigInt64(start + 29)),
    userName: fields[0]!,
    content: fields[1]!,
    color: fields[2]!,
    end: offset,
  };
}

function roomMessage(kind: RoomMessageKind, m: ParsedMessage | JsonMessage): RoomMessage {
  return { kind, seq: m.seq, roomId: m.roomId, timestampMs: m.timestampMs, userId: m.userId, userName: m.userName, content: m.content, color: m.color };
}

function toFrame(m: ParsedMessage): ServerFrame {
  switch (m.type) {
    case FrameType.Danmaku:
      return { type: "message", message: roomMessage("danmaku", m) };
    case FrameType.Gift:
      return { type: "message", message: roomMessage("gift", m) };
    case FrameType.System:
      return { type: "message", message: roomMessage("system", m) };
    case FrameType.Heartbeat:
      return { type: "heartbeat" };
    case FrameType.Error:
      return { type: "error", error: { code: m.seq, reason: m.userName, message: m.content, retryAfterMs: Math.max(0, m.userId) } };
    case FrameType.Resume:
      return { type: "resume", seq: m.seq, epoch: m.userId };
    case FrameType.Delete:
      return { type: "delete", seq: m.seq };
    case FrameType.NotRecovered:
      return { type: "notRecovered", seq: m.seq, epoch: m.userId, reason: m.content };
    case FrameType.OnlineCount:
      return { type: "online", viewers: m.seq };
    case FrameType.JoinNotice:
      return { type: "notice", kind: "join", userName: m.userName };
    case FrameType.RoomPass:
      return { type: "roomPass", pass: m.content, expiresAt: m.seq, userId: m.userId };
    default:
      return { type: "notice", kind: "leave", userName: m.userName };
  }
}

/** A user message frame: the message fields, then the kind byte and the duration (i64). */
function userMessage(bytes: Uint8Array, m: ParsedMessage): DecodeResult {
  if (bytes.length !== m.end + USER_MESSAGE_TAIL_SIZE) {
    return fail("a user message frame must end with its kind and duration (9 bytes)");
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    ok: true,
    frame: {
      type: "inbox",
      message: {
        seq: m.seq,
        kind: inboxKind(bytes[m.end]!),
        fromUserId: m.userId,
        fromUserName: m.userName,
        roomId: m.roomId,
        durationSeconds: Number(view.getBigInt64(m.end + 1)),
        createdMs: m.timestampMs,
        content: m.content,
      },
    },
  };
}

function decodeBatch(bytes: Uint8Array, flags: number): DecodeResult {
  if (bytes.length < BATCH_HEADER_SIZE) {
    return fail("batch frame is shorter than its header");
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const firstSeq = Number(view.getBigInt64(HEADER_SIZE));
  const count = view.getUint16(HEADER_SIZE + 8);
  const sampledOut = view.getUint16(HEADER_SIZE + 10);
  const rawLength = view.getUint32(HEADER_SIZE + 12);
  const payloadLength = view.getUint32(HEADER_SIZE + 16);
  const payload = bytes.subarray(BATCH_HEADER_SIZE);
  if (payloadLength !== payload.length) {
    return fail(payloadLength > payload.length ? "batch payload is shorter than declared" : "bytes follow the end of the batch");
  }
  if (rawLength > MAX_BATCH_PAYLOAD_BYTES) {
    return fail("batch is larger than allowed");
  }
  let plain = payload;
  if ((flags & FLAG_COMPRESSED) !== 0) {
    const inflated = inflate(payload, rawLength);
    if (typeof inflated === "string") {
      return fail(inflated);
    }
    plain = inflated;
  } else if (rawLength !== payloadLength) {
    return fail("plain batch's raw length differs from its payload length");
  }

  const messages: RoomMessage[] = [];
  let offset = 0;
  while (offset < plain.length) {
    const parsed = readMessage(plain, offset);
    if (typeof parsed === "string") {
      return fail(`batch message ${messages.length + 1}: ${parsed}`);
    }
    const kind = parsed.type === FrameType.Gift ? "gift" : parsed.type === FrameType.System ? "system" : parsed.type === FrameType.Danmaku ? "danmaku" : undefined;
    if (kind === undefined) {
      return fail(`batch message ${messages.length + 1} is not a room message`);
    }
    messages.push(roomMessage(kind, parsed));
    offset = parsed.end;
  }
  if (messages.length !== count) {
    return fail(`batch declares ${count} messages and holds ${messages.length}`);
  }
  return {
    ok: true,
    frame: { type: "batch", roomId: Number(view.getBigInt64(21)), firstSeq, lastSeq: Number(view.getBigInt64(29)), sampledOut, messages },
  };
}

/** Inflates a zstd payload into exactly `rawLength` bytes, refusing frames that claim another size (no zstd bombs). */
function inflate(payload: Uint8Array, rawLength: number): Uint8Array | string {
  const declared = zstdContentSize(payload);
  if (declared === "invalid") {
    return "compressed payload is not a zstd frame";
  }
  if (declared !== undefined && declared !== rawLength) {
    return "compressed payload's size differs from the batch's raw length";
  }
  try {
    const output = new Uint8Array(rawLength);
    const inflated = decompress(payload, output);
    return inflated.length === rawLength ? inflated : "compressed payload cannot be decompressed";
  } catch {
    return "compressed payload cannot be decompressed";
  }
}

/** The Frame_Content_Size of a zstd frame header (RFC 8878 §3.1.1.1), when the frame states it. */
function zstdContentSize(frame: Uint8Array): number | undefined | "invalid" {
  if (frame.length < 6 || frame[0] !== 0x28 || frame[1] !== 0xb5 || frame[2] !== 0x2f || frame[3] !== 0xfd) {
    return "invalid";
  }
  const descriptor = frame[4]!;
  const sizeFlag = descriptor >> 6;
  const singleSegment = (descriptor >> 5) & 1;
  const dictionaryBytes = [0, 1, 2, 4][descriptor & 3]!;
  const sizeBytes = [singleSegment ? 1 : 0, 2, 4, 8][sizeFlag]!;
  const at = 5 + (singleSegment ? 0 : 1) + dictionaryBytes;
  if (sizeBytes === 0) {
    return undefined;
  }
  if (frame.length < at + sizeBytes) {
    return "invalid";
  }
  let size = 0;
  for (let i = sizeBytes - 1; i >= 0; i--) {
    size = size * 256 + frame[at + i]!;
  }
  return sizeBytes === 2 ? size + 256 : size;
}

interface JsonMessage {
  readonly seq: number;
  readonly roomId: number;
  readonly timestampMs: number;
  readonly userId: number;
  readonly userName: string;
  readonly content: string;
  readonly color: string;
}

/** Decodes one JSON text WebSocket message from the server (the `format=json` form). */
export function decodeJsonFrame(text: string): DecodeResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return fail("text frame is not valid JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return fail("text frame is not a JSON object");
  }
  const o = value as Record<string, unknown>;
  switch (o["type"]) {
    case "batch": {
      const messages = o["messages"];
      if (!Array.isArray(messages)) {
        return fail("batch without a messages array");
      }
      const parsed: RoomMessage[] = [];
      for (const item of messages) {
        const message = jsonMessage(item);
        if (typeof message === "string") {
          return fail(`batch message ${parsed.length + 1}: ${message}`);
        }
        parsed.push(message);
      }
      const firstSeq = int(o["firstSeq"]);
      const lastSeq = int(o["lastSeq"]);
      if (firstSeq === undefined || lastSeq === undefined) {
        return fail("batch without firstSeq/lastSeq");
      }
      return { ok: true, frame: { type: "batch", roomId: int(o["roomId"]) ?? 0, firstSeq, lastSeq, sampledOut: int(o["sampledOut"]) ?? 0, messages: parsed } };
    }
    case "danmaku":
    case "gift":
    case "system": {
      const message = jsonMessage(o);
      return typeof message === "string" ? fail(message) : { ok: true, frame: { type: "message", message } };
    }
    case "heartbeat":
      return { ok: true, frame: { type: "heartbeat" } };
    case "error": {
      const code = int(o["code"]);
      if (code === undefined) {
        return fail("error without a code");
      }
      return { ok: true, frame: { type: "error", error: { code, reason: text0(o["reason"]), message: text0(o["content"]), retryAfterMs: Math.max(0, int(o["retryAfterMs"]) ?? 0) } } };
    }
    case "resume":
    case "delete":
    case "not_recovered": {
      const seq = int(o["seq"]);
      if (seq === undefined) {
        return fail(`${String(o["type"])} without a seq`);
      }
      if (o["type"] === "delete") {
        return { ok: true, frame: { type: "delete", seq } };
      }
      // Servers older than epochs (ADR 0007) send none: the stream has no epoch then.
      const epoch = o["epoch"] === undefined ? 0 : int(o["epoch"]);
      if (epoch === undefined || epoch < 0) {
        return fail(`${String(o["type"])} with an epoch that is not a non-negative integer`);
      }
      return o["type"] === "resume" ? { ok: true, frame: { type: "resume", seq, epoch } }
        : { ok: true, frame: { type: "notRecovered", seq, epoch, reason: text0(o["content"]) } };
    }
    case "online_count": {
      const viewers = int(o["viewers"]);
      return viewers === undefined ? fail("online_count without viewers") : { ok: true, frame: { type: "online", viewers } };
    }
    case "join":
    case "leave":
      return { ok: true, frame: { type: "notice", kind: o["type"], userName: text0(o["userName"]) } };
    case "room_pass": {
      const expiresAt = int(o["expiresAt"]);
      const pass = o["pass"];
      if (expiresAt === undefined || typeof pass !== "string" || pass === "") {
        return fail("room_pass without a pass or expiresAt");
      }
      return { ok: true, frame: { type: "roomPass", pass, expiresAt, userId: int(o["userId"]) ?? 0 } };
    }
    case "user_message": {
      const message = jsonInboxMessage(o);
      return typeof message === "string" ? fail(message) : { ok: true, frame: { type: "inbox", message } };
    }
    default:
      // A type newer than this SDK is ignored; a frame without one is not a frame.
      return typeof o["type"] === "string"
        ? { ok: true, frame: { type: "unknown", frameType: o["type"].slice(0, 40) } }
        : fail(`a frame without a type ${JSON.stringify(o["type"])?.slice(0, 40)}`);
  }
}

function jsonMessage(value: unknown): RoomMessage | string {
  if (typeof value !== "object" || value === null) {
    return "not an object";
  }
  const o = value as Record<string, unknown>;
  const kind = o["type"];
  if (kind !== "danmaku" && kind !== "gift" && kind !== "system") {
    return "not a room message";
  }
  const seq = int(o["seq"]);
  if (seq === undefined) {
    return "message without a seq";
  }
  for (const key of ["userName", "content", "color"]) {
    if (o[key] !== undefined && typeof o[key] !== "string") {
      return `${key} is not a string`;
    }
  }
  return {
    kind,
    seq,
    roomId: int(o["roomId"]) ?? 0,
    timestampMs: int(o["ts"]) ?? 0,
    userId: int(o["userId"]) ?? 0,
    userName: text0(o["userName"]),
    content: text0(o["content"]),
    color: text0(o["color"]),
  };
}

function int(value: unknown): number | undefined {
  return typeof value === "number" && Number.isSafeInteger(value) ? value : undefined;
}

function text0(value: unknown): string {
  return typeof value === "string" ? value : "";
}

function writeHeader(view: DataView, type: number): void {
  view.setUint16(0, MAGIC);
  view.setUint8(2, VERSION);
  view.setUint8(3, type);
}

/**
 * A danmaku frame as a client sends it (the server fills in sender, room, seq and time). With `trace` it has
 * flag `traced` and the 25-byte trace context after its fields (docs/protocol.md, "Trace context").
 */
export function encodeDanmaku(content: string, color: string, trace?: TraceContext): Uint8Array {
  const text = utf8Encoder.encode(content);
  const colour = utf8Encoder.encode(color);
  if (text.length > 0xffff || colour.length > 0xffff) {
    throw new RangeError("A text field of a frame holds at most 65,535 bytes.");
  }
  if (trace !== undefined) {
    checkContext(trace);
  }
  const fieldsEnd = HEADER_SIZE + 6 + text.length + colour.length;
  const frame = new Uint8Array(fieldsEnd + (trace === undefined ? 0 : TRACE_CONTEXT_SIZE));
  const view = new DataView(frame.buffer);
  writeHeader(view, FrameType.Danmaku);
  let offset = HEADER_SIZE;
  view.setUint16(offset, 0);
  offset += 2;
  view.setUint16(offset, text.length);
  frame.set(text, offset + 2);
  offset += 2 + text.length;
  view.setUint16(offset, colour.length);
  frame.set(colour, offset + 2);
  if (trace !== undefined) {
    view.setUint8(4, FLAG_TRACED);
    writeTraceContext(frame, fieldsEnd, trace);
  }
  return frame;
}

/** The JSON text form of a client's danmaku (the `format=json` connection), with its traceparent when traced. */
export function encodeJsonDanmaku(content: string, color: string, trace?: TraceContext): string {
  if (trace === undefined) {
    return JSON.stringify({ type: "danmaku", content, color });
  }
  checkContext(trace);
  return JSON.stringify({ type: "danmaku", content, color, traceparent: formatTraceparent(trace) });
}

/** A heartbeat frame: keeps the server's idle timer from closing a quiet connection. */
export function encodeHeartbeat(): Uint8Array {
  const frame = new Uint8Array(HEADER_SIZE + 6);
  writeHeader(new DataView(frame.buffer), FrameType.Heartbeat);
  return frame;
}
