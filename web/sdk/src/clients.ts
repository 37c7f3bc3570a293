import { createClient, type Client, type Interceptor, type Transport } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import { CommerceService } from "./gen/live/v1/commerce_pb.js";
import { GiftService } from "./gen/live/v1/gift_pb.js";
import { InboxService } from "./gen/live/v1/inbox_pb.js";
import { MessageService } from "./gen/live/v1/message_pb.js";
import { ModerationAdmin } from "./gen/live/v1/moderation_pb.js";
import { RoomService } from "./gen/live/v1/room_pb.js";
import { StatsService } from "./gen/live/v1/stats_pb.js";
import { UserService } from "./gen/live/v1/user_pb.js";
import { checkTracing, formatTraceparent, sampleTrace, type TracingOptions } from "./room/trace.js";

/** Typed clients for every public service, all on one gRPC-Web transport through the Proxy. */
export interface PlatformClients {
  readonly users: Client<typeof UserService>;
  readonly rooms: Client<typeof RoomService>;
  readonly messages: Client<typeof MessageService>;
  readonly moderation: Client<typeof ModerationAdmin>;
  readonly gifts: Client<typeof GiftService>;
  readonly stats: Client<typeof StatsService>;
  readonly commerce: Client<typeof CommerceService>;
  /** Messages to the signed-in user (docs/inbox.md): ListInbox, MarkRead, whisper settings. */
  readonly inbox: Client<typeof InboxService>;
  readonly transport: Transport;
}

/** Where the access token comes from; an AuthSession is one. */
export interface AccessTokenSource {
  /** A token valid for at least a little while (refreshed first when close to expiry), or undefined when signed out. */
  accessToken(): Promise<string | undefined>;
  /** Called when the server refused a token this source gave: refresh now; resolves false when that is not possible. */
  tokenRejected(token: string): Promise<boolean>;
}

export interface PlatformClientOptions {
  /** The Proxy's origin, e.g. "https://127.0.0.1:8443". Default: the page's origin. */
  baseUrl?: string;
  /** Adds `authorization: Bearer <token>` to every call; a unary call refused as UNAUTHENTICATED is retried once after a refresh. */
  auth?: AccessTokenSource;
  /** `true` sends every call to the v2 (canary) destinations, `false` to v1; unset lets the Proxy's weights decide. */
  canary?: boolean;
  /** Replaces the global fetch (tests, cookie jars, custom agents). */
  fetch?: typeof globalThis.fetch;
  /** Extra interceptors, run after the SDK's own. */
  interceptors?: Interceptor[];
  /** Default deadline for every call in ms (server streams included). Unset: no deadline. */
  defaultTimeoutMs?: number;
  /** Have a share of calls traced: a sampled call carries a `traceparent` header that the Proxy and the services continue. */
  tracing?: TracingOptions;
}

export function defaultBaseUrl(): string {
  const location = (globalThis as { location?: { origin?: string } }).location;
  if (location?.origin) {
    return location.origin;
  }
  throw new Error("baseUrl is required outside a browser page (e.g. https://127.0.0.1:8443).");
}

export function createPlatformTransport(options: PlatformClientOptions = {}): Transport {
  const interceptors: Interceptor[] = [];
  if (options.canary !== undefined) {
    const canary = String(options.canary);
    interceptors.push((next) => (request) => {
      request.header.set("x-canary", canary);
      return next(request);
    });
  }
  if (options.auth) {
    interceptors.push(bearerInterceptor(options.auth));
  }
  if (options.tracing) {
    checkTracing(options.tracing);
    interceptors.push(traceInterceptor(options.tracing));
  }
  interceptors.push(...(options.interceptors ?? []));
  return createGrpcWebTransport({
    baseUrl: options.baseUrl ?? defaultBaseUrl(),
    useBinaryFormat: true,
    interceptors,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.defaultTimeoutMs !== undefined ? { defaultTimeoutMs: options.defaultTimeoutMs } : {}),
  });
}

function traceInterceptor(tracing: TracingOptions): Interceptor {
  return (next) => (request) => {
    const context = request.header.has("traceparent") ? undefined : sampleTrace(tracing, Math.random);
    if (context !== undefined) {
      const traceparent = formatTraceparent(context);
      request.header.set("traceparent", traceparent);
      tracing.onTraced?.(traceparent, `${request.service.typeName}/${request.method.name}`);
    }
    return next(request);
  };
}

/** One transport, seven clients. */
export function createPlatformClients(options: PlatformClientOptions = {}): PlatformClients {
  const transport = createPlatformTransport(options);
  return {
    users: createClient(UserService, transport),
    rooms: createClient(RoomService, transport),
    messages: createClient(MessageService, transport),
    moderation: createClient(ModerationAdmin, transport),
    gifts: createClient(GiftService, transport),
    stats: createClient(StatsService, transport),
    commerce: createClient(CommerceService, transport),
    inbox: createClient(InboxService, transport),
    transport,
  };
}

function bearerInterceptor(auth: AccessTokenSource): Interceptor {
  return (next) => async (request) => {
    const token = await auth.accessToken();
    if (token === undefined) {
      return next(request);
    }
    request.header.set("authorization", `Bearer ${token}`);
    if (request.stream) {
      return next(request);
    }
    try {
      return await next(request);
    } catch (error) {
      // A token that expired in flight (or was signed by a key retired since) gets one refresh and one retry.
      if (isUnauthenticated(error) && (await auth.tokenRejected(token))) {
        const fresh = await auth.accessToken();
        if (fresh !== undefined) {
          request.header.set("authorization", `Bearer ${fresh}`);
          return next(request);
        }
      }
      throw error;
    }
  };
}

function isUnauthenticated(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === 16;
}
