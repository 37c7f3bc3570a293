/**
 * Messages to one user (docs/inbox.md, docs/protocol.md "User messages"): the user message frame's decoding, the
 * ack frame, and the per-connection bookkeeping that hands each message to the app once and acks it afterwards.
 */

export type InboxKind = "system" | "moderation" | "whisper" | "follow" | "unknown";

/** A message to the signed-in user. Text is untrusted: render it as text. */
export interface InboxMessage {
  /** The user's own sequence number (1, 2, 3 ... per user, not per room). */
  readonly seq: number;
  /** "unknown" for a kind newer than this SDK. */
  readonly kind: InboxKind;
  /** 0 for the platform. */
  readonly fromUserId: number;
  readonly fromUserName: string;
  /** The room it is about (a timeout, a went-live notice); 0 when none. */
  readonly roomId: number;
  /** How long the action lasts (a timeout), in seconds; 0 when none. */
  readonly durationSeconds: number;
  /** When it was accepted (Unix ms). */
  readonly createdMs: number;
  readonly content: string;
}

/** The kind byte and duration after a user message frame's text fields. */
export const USER_MESSAGE_TAIL_SIZE = 9;
const ACK_TYPE = 0x0f;
const HEADER_SIZE = 37;
const KINDS: readonly InboxKind[] = ["unknown", "system", "moderation", "whisper", "follow"];

export function inboxKind(value: number | string): InboxKind {
  if (typeof value === "number") {
    return KINDS[value] ?? "unknown";
  }
  return (KINDS as readonly string[]).includes(value) ? (value as InboxKind) : "unknown";
}

/** The JSON form's message (`{"type":"user_message",...}`), or why it is not one. */
export function jsonInboxMessage(o: Record<string, unknown>): InboxMessage | string {
  const seq = o["seq"];
  if (typeof seq !== "number" || !Number.isSafeInteger(seq) || seq <= 0) {
    return "user_message without a positive seq";
  }
  const number = (key: string) => (typeof o[key] === "number" && Number.isSafeInteger(o[key]) ? (o[key] as number) : 0);
  const text = (key: string) => (typeof o[key] === "string" ? (o[key] as string) : "");
  return {
    seq,
    kind: inboxKind(text("kind")),
    fromUserId: number("fromUserId"),
    fromUserName: text("fromUserName"),
    roomId: number("roomId"),
    durationSeconds: number("durationSeconds"),
    createdMs: number("ts"),
    content: text("content"),
  };
}

/** A cumulative ack: every user message up to `seq` was handed to the user. */
export function encodeAck(seq: number): Uint8Array {
  const frame = new Uint8Array(HEADER_SIZE + 6);
  const view = new DataView(frame.buffer);
  view.setUint16(0, 0xabcd);
  view.setUint8(2, 1);
  view.setUint8(3, ACK_TYPE);
  view.setBigInt64(29, BigInt(seq));
  return frame;
}

export function encodeJsonAck(seq: number): string {
  return JSON.stringify({ type: "ack", seq });
}

/**
 * One connection's user messages: each seq is handed to the app once (the server sends unacked ones again after a
 * reconnect), and acked once the handlers returned, debounced, cumulatively. A message seen again is acked again,
 * since its first ack may not have reached the server.
 */
export class InboxReceiver {
  private delivered = 0;
  private acked = 0;
  private unread = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly sendAck: (seq: number) => boolean,
    private readonly debounceMs: number,
  ) {}

  /** Messages handed to the app since it last called `clearUnread` (a bell's badge). */
  get unreadCount(): number {
    return this.unread;
  }

  clearUnread(): void {
    this.unread = 0;
  }

  /** Hands the message to `deliver` unless it was already; schedules the ack either way. */
  receive(message: InboxMessage, deliver: (message: InboxMessage) => void): void {
    if (message.seq > this.delivered) {
      this.delivered = message.seq;
      this.unread++;
      deliver(message);
    } else {
      // Sent again: our ack did not get through before the last drop.
      this.acked = Math.min(this.acked, message.seq - 1);
    }
    this.scheduleAck();
  }

  /** The connection is live again: anything handed but not acked goes up now. */
  resumed(): void {
    if (this.delivered > this.acked) {
      this.scheduleAck();
    }
  }

  stop(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  private scheduleAck(): void {
    if (this.timer !== undefined) {
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const seq = this.delivered;
      if (seq > this.acked && this.sendAck(seq)) {
        this.acked = seq;
      }
    }, this.debounceMs);
  }
}
