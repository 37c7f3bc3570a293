import type { AccessTokenSource } from "../clients.js";
import { defaultBaseUrl } from "../clients.js";
import { fullJitterDelay, type BackoffOptions } from "./backoff.js";
import { decodeBinaryFrame, decodeJsonFrame, encodeDanmaku, encodeHeartbeat, encodeJsonDanmaku, type DecodeResult, type RoomMessage, type ServerError, type ServerFrame } from "./frames.js";
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

/** Messages after `fromSeq - 1` up to `toSeq` are lost for good: show the gap (e.g. "N messages could not be recovered"). */
export interface NotRecovered {
  readonly fromSeq: number;
  readonly toSeq: number;
  readonly count: number;
  readonly reason: string;
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
    notRecovered: new Set(), state: new Set(), protocolError: new Set(), sampled: new Set(),
  };
  private currentState: ConnectionState = "idle";
  private socket: WebSocketLike | undefined;
  private last: number | undefined;
  private attempt = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  private connectTimer: ReturnType<typeof setTimeout> | undefined;
  private lastReceivedAt = 0;
  private lastSentAt = 0;
  /** Bumped for every socket, so events of an abandoned socket are ignored. */
  private generation = 0;
  private readonly heartbeatFrame = encodeHeartbeat();

  constructor(options: RoomConnectionOptions) {
    checkTracing(options.tracing);
    this.options = options;
    this.last = options.lastSeq;
  }

  get state(): ConnectionState {
    return this.currentState;
  }

  /** The last seq delivered (or skipped as not recovered); what a resume starts after. */
  get lastSeq(): number | undefined {
    return this.last;
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
        this.resumed(frame.seq);
        break;
      case "notRecovered":
        this.lost(frame.seq, frame.reason);
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
      case "heartbeat":
      case "notice":
        break;
    }
  }

  /** Each seq once, in order: anything at or below the last delivered seq is a replay's duplicate. */
  private deliver(message: RoomMessage): void {
    if (this.last !== undefined && message.seq <= this.last) {
      return;
    }
    this.last = message.seq;
    this.emit(message.kind === "gift" ? "gift" : message.kind === "system" ? "system" : "message", message);
  }

  private lost(upTo: number, reason: string): void {
    const from = (this.last ?? upTo) + 1;
    if (upTo >= from) {
      this.emit("notRecovered", { fromSeq: from, toSeq: upTo, count: upTo - from + 1, reason });
      this.last = upTo;
    } else if (this.last !== undefined && upTo < this.last) {
      // The room's sequence went back (its history was reset): what we hold past it cannot be resumed.
      this.emit("notRecovered", { fromSeq: upTo + 1, toSeq: this.last, count: this.last - upTo, reason });
      this.last = upTo;
    }
  }

  private resumed(seq: number): void {
    if (this.last === undefined || seq < this.last) {
      // First join (live starts after the room's seq), or the server's sequence restarted below ours.
      this.last = seq;
    } else if (seq > this.last) {
      // The server goes live past what it replayed: never skip silently.
      this.lost(seq, "messages were skipped while reconnecting");
    }
    this.clearConnectTimer();
    this.attempt = 0;
    this.setState({ state: "live" });
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
