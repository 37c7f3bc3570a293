import type { AccessTokenSource } from "../clients.js";
import { defaultBaseUrl } from "../clients.js";
import { fullJitterDelay, type BackoffOptions } from "./backoff.js";
import { decodeBinaryFrame, decodeJsonFrame, encodeDanmaku, encodeHeartbeat, encodeJsonDanmaku, type DecodeResult, type RoomMessage, type ServerError, type ServerFrame } from "./frames.js";
import { encodeAck, encodeJsonAck, InboxReceiver, type InboxMessage } from "./inbox.js";
import { checkContext, checkTracing, formatTraceparent, sampleTrace, type TraceContext, type TracingOptions } from "./trace.js";

/** The subprotocol the Edge selects; the token rides beside it as `access_token.<jwt>` and is never echoed. */
export const SUBPROTOCOL = "live.v1";
export const TOKEN_SUBPROTOCOL_PREFIX = "access_token.";

export type ConnectionState = "idle" | "connecting" | "live" | "reconnecting" | "closed";

export interface StateChange {
  readonly state: ConnectionState;
  /** Reconnect attempt (1-based) while reconnecting. */
  readonly attempt?: number;
  /** The wait before the next attempt while reconnecting. */
  readonly delayMs?: number;
  /** Why the last socket ended: its close code and reason (1006 when it never opened or dropped). */
  readonly closeCode?: number;
  readonly closeReason?: string;
}

/**
 * Messages after `fromSeq - 1` up to `toSeq` are lost for good: show the gap (e.g. "N messages could not be
 * recovered"). When the room's stream was reset (`previousEpoch` is set: Redis lost its state, or its seq went
 * backwards; ADR 0007), what is lost is whatever of `previousEpoch` came after `fromSeq - 1` and did not arrive:
 * the server cannot say how many, so `count` is then only what it knows of (usually 0: "some messages"). Seqs
 * start again in `epoch` after a reset; messages already shown may stay.
 */
export interface NotRecovered {
  readonly fromSeq: number;
  readonly toSeq: number;
  readonly count: number;
  readonly reason: string;
  /** The epoch of the room's stream from now on (0: it has none yet). */
  readonly epoch: number;
  /** The epoch that ended, when the stream was reset. */
  readonly previousEpoch?: number;
}

export interface RoomConnectionEvents {
  message: RoomMessage;
  gift: RoomMessage;
  system: RoomMessage;
  /** A moderator removed the message with this seq: hide it. */
  delete: { readonly seq: number };
  online: { readonly viewers: number };
  /** The server refused something this client sent (the connection stays open unless a close follows). */
  error: ServerError;
  notRecovered: NotRecovered;
  state: StateChange;
  /** The server sent bytes this client cannot decode; the connection is dropped and resumed. */
  protocolError: { readonly reason: string };
  /** Ordinary danmaku not shown because the room is hot (server-side sampling); not a loss. */
  sampled: { readonly count: number };
  /**
   * A new room pass (signed-in connections only): proof this user is in the room, sent with `Purchase` as
   * `roomPass`. The Edge sends one when the connection goes live and a fresh one well before it expires.
   */
  pass: RoomPassEvent;
  /**
   * A message to the signed-in user (docs/inbox.md), whatever room this connection is in: each seq once, in order.
   * It is acknowledged to the server after the listeners return (cumulatively, debounced), so it is not sent again.
   */
  inbox: InboxMessage;
}

export interface RoomPassEvent {
  readonly pass: string;
  /** When the pass stops being accepted (Unix ms). */
  readonly expiresAt: number;
}

export type RoomConnectionEvent = keyof RoomConnectionEvents;

/** The part of the WebSocket API the connection uses; browsers' WebSocket and node's `ws` both fit. */
export interface WebSocketLike {
  binaryType: string;
  readonly protocol: string;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: Uint8Array | string): void;
  close(code?: number, reason?: string): void;
}

export type WebSocketFactory = (url: string, protocols: string[]) => WebSocketLike;

export interface RoomConnectionOptions {
  roomId: number | bigint;
  /** The Proxy's origin (https://host:port); the socket goes to wss://host:port/ws. Default: the page's origin. */
  baseUrl?: string;
  /** Signed in: the token is offered as a subprotocol. Without it the connection is a read-only guest. */
  auth?: AccessTokenSource;
  /** "binary" (default, with zstd batches) or "json" (text frames, for debugging or constrained clients). */
  format?: "binary" | "json";
  /** Ask for zstd-compressed batches (binary only; default true). */
  compress?: boolean;
  /** Resume after this seq on the first connect (e.g. from a previous page). */
  lastSeq?: number;
  /** The epoch `lastSeq` belongs to (`room.epoch` when it was saved); without it the server takes the room's current one. */
  epoch?: number;
  /** Default: the global WebSocket. */
  createWebSocket?: WebSocketFactory;
  /** A heartbeat goes up after this long without sending anything (default 25 s). */
  heartbeatIntervalMs?: number;
  /** Nothing received for this long (the server heartbeats every 15 s) → reconnect (default 45 s). */
  idleTimeoutMs?: number;
  /** A socket that is not live (resume frame received) within this long is dropped and retried (default 15 s). */
  connectTimeoutMs?: number;
  backoff?: BackoffOptions;
  /** The randomness behind the jitter and the trace sampling (tests). */
  random?: () => number;
  /** Have a share of sends traced through the services (docs/operations.md, "Following one message"). Default: none. */
  tracing?: TracingOptions;
  /** How long after a user message its ack waits for more to cover (default 200 ms). */
  inboxAckDelayMs?: number;
}

type Listeners = { [K in RoomConnectionEvent]: Set<(event: RoomConnectionEvents[K]) => void> };

/** Close codes after which reconnecting cannot help. */
const FINAL_CLOSE_CODES = new Set([4010]);

/**
 * One room's live stream: connects, resumes by seq after every drop (replay first, then live), delivers each
 * message once and in seq order, and says so when a gap cannot be filled. A small state machine:
 * idle → connecting → live ⇄ reconnecting → closed.
 */
export class RoomConnection {
  private readonly options: RoomConnectionOptions;
  private readonly listeners: Listeners = {
    message: new Set(), gift: new Set(), system: new Set(), delete: new Set(), online: new Set(), error: new Set(),
    notRecovered: new Set(), state: new Set(), protocolError: new Set(), sampled: new Set(), pass: new Set(), inbox: new Set(),
  };
  private readonly inbox: InboxReceiver;
  private currentState: ConnectionState = "idle";
  private socket: WebSocketLike | undefined;
  private last: number | undefined;
  /** The epoch `last` belongs to; undefined until the server named one. */
  private currentEpoch: number | undefined;
  /** A not-recovered frame moved the position to a new epoch; its resume frame says where live traffic continues. */
  private epochStarting = false;
  private attempt = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  private connectTimer: ReturnType<typeof setTimeout> | undefined;
  private lastReceivedAt = 0;
  private lastSentAt = 0;
  /** Bumped for every socket, so events of an abandoned socket are ignored. */
  private generation = 0;
  private readonly heartbeatFrame = encodeHeartbeat();
  private currentPass: RoomPassEvent | undefined;

  constructor(options: RoomConnectionOptions) {
    checkTracing(options.tracing);
    this.options = options;
    this.inbox = new InboxReceiver((seq) => this.sendAck(seq), options.inboxAckDelayMs ?? 200);
    this.last = options.lastSeq;
    this.currentEpoch = options.lastSeq === undefined ? undefined : options.epoch;
  }

  get state(): ConnectionState {
    return this.currentState;
  }

  /** The last seq delivered (or skipped as not recovered); what a resume starts after. */
  get lastSeq(): number | undefined {
    return this.last;
  }

  /** The epoch `lastSeq` belongs to: seqs of different epochs are not comparable (undefined until the server said). */
  get epoch(): number | undefined {
    return this.currentEpoch;
  }

  /**
   * The latest room pass, for `CommerceService.Purchase`'s `roomPass`: undefined for guests, before the first
   * pass arrived, once it expired, and after `close()`. It outlives a reconnect while it is still valid.
   */
  get pass(): string | undefined {
    const current = this.currentPass;
    return current !== undefined && current.expiresAt > Date.now() ? current.pass : undefined;
  }

  /** User messages handed to the app since the last `clearUnread()`: a bell's badge. */
  get unreadCount(): number {
    return this.inbox.unreadCount;
  }

  clearUnread(): void {
    this.inbox.clearUnread();
  }

  get roomId(): number {
    return Number(this.options.roomId);
  }

  on<K extends RoomConnectionEvent>(event: K, listener: (event: RoomConnectionEvents[K]) => void): () => void {
    const set = this.listeners[event] as Set<(event: RoomConnectionEvents[K]) => void>;
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Starts connecting (once); later drops reconnect by themselves until `close()`. */
  connect(): void {
    if (this.currentState !== "idle") {
      return;
    }
    this.setState({ state: "connecting" });
    void this.open();
  }

  /**
   * Sends a danmaku; false when the connection is not live (nothing is queued). Refusals come back as `error`
   * events. `trace` has this send traced in that context; without it `tracing.sampleRatio` decides.
   */
  send(content: string, color = "#ffffff", trace?: TraceContext): boolean {
    if (this.currentState !== "live" || !this.socket) {
      return false;
    }
    if (trace !== undefined) {
      // A malformed context is the caller's mistake: say so rather than send untraced.
      checkContext(trace);
    }
    const context = trace ?? sampleTrace(this.options.tracing, this.options.random ?? Math.random);
    try {
      this.socket.send(this.options.format === "json" ? encodeJsonDanmaku(content, color, context) : encodeDanmaku(content, color, context));
    } catch {
      return false;
    }
    this.lastSentAt = Date.now();
    if (context !== undefined) {
      this.options.tracing?.onTraced?.(formatTraceparent(context), content);
    }
    return true;
  }

  /** Ends the connection for good. */
  close(): void {
    if (this.currentState === "closed") {
      return;
    }
    this.generation++;
    this.stopTimers();
    this.inbox.stop();
    this.currentPass = undefined;
    const socket = this.socket;
    this.socket = undefined;
    if (socket) {
      detach(socket);
      try {
        socket.close(1000, "client closed");
      } catch {
        // Already closing.
      }
    }
    this.setState({ state: "closed" });
  }

  private async open(): Promise<void> {
    const generation = ++this.generation;
    let token: string | undefined;
    try {
      token = await this.options.auth?.accessToken();
    } catch {
      token = undefined;
    }
    if (generation !== this.generation) {
      return;
    }
    const protocols = token === undefined ? [SUBPROTOCOL] : [SUBPROTOCOL, TOKEN_SUBPROTOCOL_PREFIX + token];
    let socket: WebSocketLike;
    try {
      socket = (this.options.createWebSocket ?? defaultWebSocket)(this.url(), protocols);
    } catch (error) {
      this.dropped(generation, 1006, error instanceof Error ? error.message : "could not open the WebSocket");
      return;
    }
    this.socket = socket;
    socket.binaryType = "arraybuffer";
    socket.onopen = () => {
      if (generation !== this.generation) {
        return;
      }
      this.lastReceivedAt = Date.now();
      this.lastSentAt = Date.now();
      this.startHeartbeats(generation);
    };
    socket.onmessage = (event) => {
      if (generation === this.generation) {
        this.receive(event.data);
      }
    };
    socket.onclose = (event) => this.dropped(generation, event.code, event.reason);
    socket.onerror = () => {
      // A close event always follows; the reason is decided there.
    };
    this.connectTimer = setTimeout(() => {
      if (generation === this.generation && this.currentState !== "live") {
        this.abandon(generation, 4000, "not live within the connect timeout");
      }
    }, this.options.connectTimeoutMs ?? 15_000);
  }

  private url(): string {
    const base = new URL(this.options.baseUrl ?? defaultBaseUrl());
    base.protocol = base.protocol === "http:" ? "ws:" : "wss:";
    base.pathname = "/ws";
    base.search = "";
    base.searchParams.set("room", String(this.options.roomId));
    if (this.last !== undefined) {
      base.searchParams.set("last_seq", String(this.last));
      // Epoch 0 (the room had none yet) is left out: then the server takes last_seq in the epoch it has now,
      // which continues the seqs this client saw; naming 0 would make it replay the whole epoch again.
      if (this.currentEpoch !== undefined && this.currentEpoch !== 0) {
        base.searchParams.set("epoch", String(this.currentEpoch));
      }
    }
    if (this.options.format === "json") {
      base.searchParams.set("format", "json");
    } else if (this.options.compress ?? true) {
      base.searchParams.set("compress", "zstd");
    }
    return base.toString();
  }

  private receive(data: unknown): void {
    this.lastReceivedAt = Date.now();
    let result: DecodeResult;
    if (typeof data === "string") {
      result = decodeJsonFrame(data);
    } else if (data instanceof ArrayBuffer) {
      result = decodeBinaryFrame(new Uint8Array(data));
    } else if (ArrayBuffer.isView(data)) {
      result = decodeBinaryFrame(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    } else {
      result = { ok: false, reason: "a WebSocket message of an unknown kind" };
    }
    if (!result.ok) {
      this.emit("protocolError", { reason: result.reason });
      this.abandon(this.generation, 4000, "undecodable frame");
      return;
    }
    this.handle(result.frame);
  }

  private handle(frame: ServerFrame): void {
    switch (frame.type) {
      case "batch":
        if (frame.sampledOut > 0) {
          this.emit("sampled", { count: frame.sampledOut });
        }
        for (const message of frame.messages) {
          this.deliver(message);
        }
        break;
      case "message":
        this.deliver(frame.message);
        break;
      case "resume":
        this.resumed(frame.seq, frame.epoch);
        break;
      case "notRecovered":
        this.notRecovered(frame.seq, frame.epoch, frame.reason);
        break;
      case "delete":
        this.emit("delete", { seq: frame.seq });
        break;
      case "online":
        this.emit("online", { viewers: frame.viewers });
        break;
      case "error":
        this.emit("error", frame.error);
        break;
      case "roomPass":
        if (frame.pass !== this.currentPass?.pass) {
          this.currentPass = { pass: frame.pass, expiresAt: frame.expiresAt };
          this.emit("pass", this.currentPass);
        }
        break;
      case "inbox":
        this.inbox.receive(frame.message, (message) => this.emit("inbox", message));
        break;
      case "heartbeat":
      case "notice":
      case "unknown":
        break;
    }
  }

  /** Each seq once, in order, within the epoch: anything at or below the last delivered seq is a replay's duplicate. */
  private deliver(message: RoomMessage): void {
    if (this.last !== undefined && message.seq <= this.last) {
      return;
    }
    this.last = message.seq;
    this.emit(message.kind === "gift" ? "gift" : message.kind === "system" ? "system" : "message", message);
  }

  /** A not-recovered frame: a gap within the epoch, or (another epoch) the end of the lineage this client was in. */
  private notRecovered(upTo: number, epoch: number, reason: string): void {
    if (this.currentEpoch === undefined || epoch === this.currentEpoch) {
      this.currentEpoch = epoch;
      this.lost(upTo, reason);
      return;
    }
    // The stream was reset (ADR 0007) — unless it only got its first epoch: seq 0 (the server forwarded nothing
    // before it) after no epoch, or after nothing seen.
    if (this.last !== undefined && (upTo > 0 || (this.last > 0 && this.currentEpoch !== 0))) {
      const fromSeq = this.last + 1;
      const toSeq = Math.max(upTo, this.last);
      this.emit("notRecovered", { fromSeq, toSeq, count: toSeq - this.last, reason, epoch, previousEpoch: this.currentEpoch });
    }
    // The new epoch is replayed from its start (then a not-recovered frame of that epoch says what history lacks),
    // or a live connection hears where its traffic continues from the resume frame that follows.
    this.currentEpoch = epoch;
    this.last = 0;
    this.epochStarting = true;
  }

  private lost(upTo: number, reason: string): void {
    const from = (this.last ?? upTo) + 1;
    if (upTo >= from) {
      this.emit("notRecovered", { fromSeq: from, toSeq: upTo, count: upTo - from + 1, reason, epoch: this.currentEpoch ?? 0 });
      this.last = upTo;
    } else if (this.last !== undefined && upTo < this.last) {
      this.wentBack(upTo, reason);
    }
  }

  /** The room's seq went back within its epoch (its history was reset): what this client holds past it cannot be resumed. */
  private wentBack(to: number, reason: string): void {
    const last = this.last ?? to;
    this.emit("notRecovered", { fromSeq: to + 1, toSeq: last, count: last - to, reason, epoch: this.currentEpoch ?? 0 });
    this.last = to;
  }

  private resumed(seq: number, epoch: number): void {
    if (this.epochStarting && epoch === this.currentEpoch) {
      // Where a new epoch's live traffic continues; seqs below it are the new lineage's past, not a gap.
      this.last = Math.max(this.last ?? 0, seq);
    } else if (this.currentEpoch !== undefined && this.currentEpoch !== 0 && epoch !== this.currentEpoch) {
      // Another epoch without a not-recovered frame first (a server that could not say): still a reset, never silent.
      this.notRecovered(this.last ?? 0, epoch, "the room's message stream was reset");
      this.last = seq;
    } else if (this.last === undefined) {
      // First join: live starts after the room's seq.
      this.last = seq;
    } else if (seq > this.last) {
      // The server goes live past what it replayed: never skip silently.
      this.lost(seq, "messages were skipped while reconnecting");
    } else if (seq < this.last) {
      this.wentBack(seq, "the room's message stream went back below the last seq received; messages after it are new");
    }
    this.currentEpoch = epoch;
    this.epochStarting = false;
    this.clearConnectTimer();
    this.attempt = 0;
    // A live connection's epoch change comes with a resume frame too: it stays live, nothing to announce.
    if (this.currentState !== "live") {
      this.setState({ state: "live" });
      this.inbox.resumed();
    }
  }

  private startHeartbeats(generation: number): void {
    const interval = this.options.heartbeatIntervalMs ?? 25_000;
    const idle = this.options.idleTimeoutMs ?? 45_000;
    const tick = Math.max(250, Math.min(interval, idle) / 4);
    this.heartbeatTimer = setInterval(() => {
      if (generation !== this.generation || !this.socket) {
        return;
      }
      const now = Date.now();
      if (now - this.lastReceivedAt >= idle) {
        this.abandon(generation, 4002, "nothing received within the idle timeout");
        return;
      }
      if (now - this.lastSentAt >= interval) {
        try {
          this.socket.send(this.options.format === "json" ? '{"type":"heartbeat"}' : this.heartbeatFrame);
          this.lastSentAt = now;
        } catch {
          this.abandon(generation, 1006, "heartbeat could not be sent");
        }
      }
    }, tick);
    unref(this.heartbeatTimer);
  }

  /** Drops the current socket without waiting for its close handshake, then reconnects. */
  private abandon(generation: number, code: number, reason: string): void {
    if (generation !== this.generation) {
      return;
    }
    const socket = this.socket;
    if (socket) {
      detach(socket);
      try {
        socket.close(code >= 4000 && code < 5000 ? code : 4000, reason);
      } catch {
        // Already closing.
      }
    }
    this.dropped(generation, code, reason);
  }

  private dropped(generation: number, code: number, reason: string): void {
    if (generation !== this.generation || this.currentState === "closed") {
      return;
    }
    this.generation++;
    this.stopTimers();
    if (this.socket) {
      detach(this.socket);
      this.socket = undefined;
    }
    if (FINAL_CLOSE_CODES.has(code)) {
      this.currentPass = undefined;
      this.setState({ state: "closed", closeCode: code, closeReason: reason });
      return;
    }
    const delayMs = fullJitterDelay(this.attempt, this.options.backoff, this.options.random);
    this.attempt++;
    this.setState({ state: "reconnecting", attempt: this.attempt, delayMs, closeCode: code, closeReason: reason });
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.currentState === "reconnecting") {
        void this.open();
      }
    }, delayMs);
  }

  private stopTimers(): void {
    if (this.reconnectTimer !== undefined) {
      clearTimeout(this.reconnectTimer);
      this.reconnectTimer = undefined;
    }
    if (this.heartbeatTimer !== undefined) {
      clearInterval(this.heartbeatTimer);
      this.heartbeatTimer = undefined;
    }
    this.clearConnectTimer();
  }

  private clearConnectTimer(): void {
    if (this.connectTimer !== undefined) {
      clearTimeout(this.connectTimer);
      this.connectTimer = undefined;
    }
  }

  /** False when it could not go out (not live); the receiver then tries again on the next message or resume. */
  private sendAck(seq: number): boolean {
    if (this.currentState !== "live" || !this.socket) {
      return false;
    }
    try {
      this.socket.send(this.options.format === "json" ? encodeJsonAck(seq) : encodeAck(seq));
    } catch {
      return false;
    }
    this.lastSentAt = Date.now();
    return true;
  }

  private setState(change: StateChange): void {
    this.currentState = change.state;
    this.emit("state", change);
  }

  private emit<K extends RoomConnectionEvent>(event: K, value: RoomConnectionEvents[K]): void {
    for (const listener of this.listeners[event] as Set<(event: RoomConnectionEvents[K]) => void>) {
      try {
        listener(value);
      } catch (error) {
        // A listener's bug must not break the connection's bookkeeping; it still surfaces.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}

function detach(socket: WebSocketLike): void {
  socket.onopen = null;
  socket.onmessage = null;
  socket.onclose = null;
  // Closing a socket that is still connecting reports an error afterwards; nobody listens to it any more.
  socket.onerror = ignore;
}

function ignore(): void {
  // Intentionally empty.
}

function defaultWebSocket(url: string, protocols: string[]): WebSocketLike {
  const Ctor = (globalThis as { WebSocket?: new (url: string, protocols: string[]) => WebSocketLike }).WebSocket;
  if (!Ctor) {
    throw new Error("No global WebSocket here; pass createWebSocket (e.g. from the ws package).");
  }
  return new Ctor(url, protocols);
}

function unref(timer: ReturnType<typeof setInterval>): void {
  (timer as { unref?: () => void }).unref?.();
}
