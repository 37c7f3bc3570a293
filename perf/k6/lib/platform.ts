// What every script shares: where the platform is, how to reach its gRPC door through the Proxy, and accounts.
import grpc from "k6/net/grpc";
import { fail } from "k6";

/** The Proxy's public door, as a browser or an SDK reaches it (TLS, gRPC over HTTP/2 and /ws). */
export const proxyUrl = __ENV.LIVE_PROXY ?? "https://127.0.0.1:8443";
export const proxyHost = proxyUrl.replace(/^https?:\/\//, "");
export const wsBase = proxyUrl.replace(/^http/, "ws");

/** Every account the scripts make shares this password (Register's rule: 8..128 characters). */
const password = __ENV.LIVE_PASSWORD ?? "k6-load-password";

/** A tag in usernames so runs do not collide with each other's accounts (3..32 characters in all). */
export const runTag = (__ENV.LIVE_RUN ?? "k6").slice(0, 12);

export const statusName: Record<number, string> = {
  0: "OK", 1: "CANCELLED", 2: "UNKNOWN", 3: "INVALID_ARGUMENT", 4: "DEADLINE_EXCEEDED", 5: "NOT_FOUND",
  6: "ALREADY_EXISTS", 7: "PERMISSION_DENIED", 8: "RESOURCE_EXHAUSTED", 9: "FAILED_PRECONDITION", 10: "ABORTED",
  11: "OUT_OF_RANGE", 12: "UNIMPLEMENTED", 13: "INTERNAL", 14: "UNAVAILABLE", 15: "DATA_LOSS", 16: "UNAUTHENTICATED",
};

/**
 * One gRPC client per VU, connected lazily through the Proxy. The protos are loaded by each script in its init
 * context (k6 resolves the import path relative to the script), so this module only connects and calls.
 */
export class Door {
  private connected = false;

  constructor(private readonly client: grpc.Client) {}

  call<T>(method: string, request: object, token?: string): { status: number; message: T; error: string } {
    if (!this.connected) {
      // The platform's certificate is self-signed locally: run k6 with --insecure-skip-tls-verify (or trust it).
      this.client.connect(proxyHost, { plaintext: false, timeout: "5s" });
      this.connected = true;
    }
    const response = this.client.invoke(method, request, {
      metadata: token ? { authorization: `Bearer ${token}` } : {},
      timeout: "10s",
    });
    const error = response.error ? JSON.stringify(response.error) : "";
    return { status: response.status, message: response.message as T, error };
  }

  /** A call that must succeed; anything else stops the VU's iteration with the status and its reason. */
  require<T>(method: string, request: object, token?: string): T {
    const answer = this.call<T>(method, request, token);
    if (answer.status !== grpc.StatusOK) {
      fail(`${method}: ${statusName[answer.status] ?? answer.status} ${answer.error}`);
    }
    return answer.message;
  }

  /** Registers the account (an existing one from an earlier run is fine) and returns a fresh access token. */
  signIn(username: string, asAnchor = false): string {
    const registered = this.call("live.v1.UserService/Register", { username, password, displayName: username, asAnchor });
    if (registered.status !== grpc.StatusOK && registered.status !== grpc.StatusAlreadyExists) {
      fail(`Register ${username}: ${statusName[registered.status] ?? registered.status} ${registered.error}`);
    }
    return this.require<{ accessToken: string }>("live.v1.UserService/Login", { username, password }).accessToken;
  }
}

/** An anchor's live room for the run: created and started through the Proxy, as the browser app does. */
export function openLiveRoom(door: Door, anchorToken: string, title: string): number {
  const room = door.require<{ id: string }>("live.v1.RoomService/CreateRoom", { title, category: "chat" }, anchorToken);
  door.require("live.v1.RoomService/StartLive", { roomId: room.id }, anchorToken);
  // int64 fields arrive as strings in protobuf JSON.
  return Number(room.id);
}

export function intEnv(name: string, fallback: number): number {
  const raw = __ENV[name];
  if (raw === undefined || raw === "") {
    return fallback;
  }
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`${name} must be a non-negative integer; got "${raw}"`);
  }
  return value;
}
