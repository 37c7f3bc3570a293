import { createClient, type Client } from "@connectrpc/connect";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import type { AccessTokenSource } from "../clients.js";
import { createPlatformTransport } from "../clients.js";
import { UserService, type TokenPair, type UserProfile } from "../gen/live/v1/user_pb.js";

/**
 * Where the refresh token is kept.
 * - "cookie": the Proxy keeps it in an HttpOnly, Secure, SameSite=Strict cookie scoped to UserService's
 *   path and takes it out of every Login/Refresh answer, so no page script can read it; a reload or a new
 *   tab signs in again with `restore()`. The browser default (docs/adr/0006-browser-access.md).
 * - "memory": the SDK holds it in a variable; gone with the page. For node and other non-browser callers.
 */
export type RefreshTokenStorage = "cookie" | "memory";

/** The header that asks the Proxy to keep the refresh token in its cookie. */
export const REFRESH_COOKIE_HEADER = "x-refresh-cookie";

export type SessionState =
  | { readonly status: "signedOut"; readonly reason?: string }
  | { readonly status: "signedIn"; readonly user: UserProfile; readonly accessTokenExpiresAt: number };

export interface AuthSessionOptions {
  /** The Proxy's origin. Default: the page's origin. */
  baseUrl?: string;
  /** Default: "cookie" in a browser page, "memory" elsewhere. */
  refreshTokenStorage?: RefreshTokenStorage;
  /** Refresh this long before the access token expires (default 60 s; at most half its lifetime is used). */
  refreshMarginMs?: number;
  fetch?: typeof globalThis.fetch;
  /** The clock (tests). */
  now?: () => number;
}

export interface RegisterInput {
  username: string;
  password: string;
  displayName?: string;
  /** Also grant the anchor role, so the account may open rooms. */
  asAnchor?: boolean;
}

type Listener = (state: SessionState) => void;

/**
 * A signed-in user: the access token lives only in this object's memory; it is refreshed before it expires
 * with the rotating refresh token (one refresh at a time, also across tabs where the Web Locks API exists,
 * because a refresh token presented twice revokes the whole sign-in).
 */
export class AuthSession implements AccessTokenSource {
  private readonly users: Client<typeof UserService>;
  private readonly storage: RefreshTokenStorage;
  private readonly marginMs: number;
  private readonly now: () => number;
  private readonly listeners = new Set<Listener>();
  private token: string | undefined;
  private expiresAt = 0;
  private issuedAt = 0;
  private refreshToken: string | undefined;
  private profile: UserProfile | undefined;
  private refreshing: Promise<boolean> | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: AuthSessionOptions = {}) {
    this.storage = options.refreshTokenStorage ?? (typeof document === "undefined" ? "memory" : "cookie");
    this.marginMs = options.refreshMarginMs ?? 60_000;
    this.now = options.now ?? Date.now;
    const transport = createPlatformTransport({
      ...(options.baseUrl !== undefined ? { baseUrl: options.baseUrl } : {}),
      ...(options.fetch ? { fetch: options.fetch } : {}),
      auth: {
        // Only Logout needs a token on this transport; Login, Register and Refresh are anonymous routes.
        accessToken: async () => this.token,
        tokenRejected: async () => false,
      },
      interceptors: this.storage === "cookie"
        ? [(next) => (request) => {
            request.header.set(REFRESH_COOKIE_HEADER, "1");
            return next(request);
          }]
        : [],
    });
    this.users = createClient(UserService, transport);
  }

  get state(): SessionState {
    return this.profile && this.token
      ? { status: "signedIn", user: this.profile, accessTokenExpiresAt: this.expiresAt }
      : { status: "signedOut" };
  }

  get user(): UserProfile | undefined {
    return this.profile;
  }

  get signedIn(): boolean {
    return this.token !== undefined;
  }

  /** Calls `listener` on every sign-in, refresh and sign-out; returns the unsubscribe function. */
  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Creates the account, then signs in with it. */
  async register(input: RegisterInput): Promise<UserProfile> {
    await this.users.register({
      username: input.username,
      password: input.password,
      displayName: input.displayName ?? "",
      asAnchor: input.asAnchor ?? false,
    });
    return this.login(input.username, input.password);
  }

  async login(username: string, password: string): Promise<UserProfile> {
    const pair = await this.users.login({ username, password });
    return this.accept(pair);
  }

  /**
   * Signs in again from the refresh cookie after a reload or in a new tab ("cookie" storage); resolves false
   * when there is no usable cookie. With "memory" storage it refreshes the token it holds.
   */
  async restore(): Promise<boolean> {
    return this.refreshNow();
  }

  /** A valid access token (refreshed first when within the margin of its expiry), or undefined when signed out. */
  async accessToken(): Promise<string | undefined> {
    if (this.token === undefined) {
      return undefined;
    }
    if (this.now() >= this.refreshDueAt()) {
      await this.refreshNow();
    }
    return this.token;
  }

  async tokenRejected(token: string): Promise<boolean> {
    if (token !== this.token) {
      return this.token !== undefined;
    }
    return this.refreshNow();
  }

  /** Refreshes now (one refresh at a time); resolves false and signs out when the refresh token is refused. */
  refreshNow(): Promise<boolean> {
    this.refreshing ??= this.withRefreshLock(() => this.refreshOnce()).finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  /** Revokes the refresh token's sign-in on the server (and, with cookies, clears the cookie), then forgets the tokens. */
  async logout(): Promise<void> {
    try {
      if (this.token !== undefined || this.storage === "cookie") {
        await this.users.logout({ refreshToken: this.refreshToken ?? "" });
      }
    } finally {
      this.clear("signed out");
    }
  }

  private async refreshOnce(): Promise<boolean> {
    if (this.storage === "memory" && this.refreshToken === undefined) {
      return false;
    }
    try {
      // With cookie storage the token field stays empty: the Proxy fills it from the cookie.
      const pair = await this.users.refresh({ refreshToken: this.refreshToken ?? "" });
      this.accept(pair);
      return true;
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      // Refused (spent, revoked, expired, banned) ends the session; anything else (network) keeps it for a retry.
      if (code === 16 || code === 7 || code === 3) {
        this.clear(error instanceof Error ? error.message : "refresh refused");
        return false;
      }
      throw error;
    }
  }

  private accept(pair: TokenPair): UserProfile {
    if (!pair.user) {
      throw new Error("The token answer carried no user profile.");
    }
    this.token = pair.accessToken;
    // Timed by this clock from the token's own lifetime, so a client clock set wrong neither refreshes on
    // every call nor lets the token lapse.
    this.issuedAt = this.now();
    this.expiresAt = this.issuedAt + lifetimeMs(pair);
    if (this.storage === "memory") {
      this.refreshToken = pair.refreshToken;
    }
    this.profile = pair.user;
    this.schedule();
    this.emit();
    return pair.user;
  }

  private refreshDueAt(): number {
    const lifetime = Math.max(0, this.expiresAt - this.issuedAt);
    return this.expiresAt - Math.min(this.marginMs, lifetime / 2);
  }

  private schedule(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
    }
    const delay = Math.max(0, this.refreshDueAt() - this.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.refreshNow().catch(() => {
        // A network failure: the next call (or the next schedule after a retry) tries again.
        this.retryLater();
      });
    }, delay);
    unrefTimer(this.timer);
  }

  private retryLater(): void {
    if (this.token === undefined) {
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.refreshNow().catch(() => this.retryLater());
    }, 5_000);
    unrefTimer(this.timer);
  }

  private clear(reason: string): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const wasSignedIn = this.token !== undefined;
    this.token = undefined;
    this.refreshToken = undefined;
    this.profile = undefined;
    this.expiresAt = 0;
    if (wasSignedIn) {
      this.emit(reason);
    }
  }

  private emit(reason?: string): void {
    const state: SessionState = this.profile && this.token
      ? { status: "signedIn", user: this.profile, accessTokenExpiresAt: this.expiresAt }
      : reason === undefined ? { status: "signedOut" } : { status: "signedOut", reason };
    for (const listener of this.listeners) {
      listener(state);
    }
  }

  private async withRefreshLock<T>(work: () => Promise<T>): Promise<T> {
    const locks = (globalThis as { navigator?: { locks?: { request(name: string, callback: () => Promise<T>): Promise<T> } } })
      .navigator?.locks;
    if (this.storage === "cookie" && locks) {
      // Tabs share the cookie: two refreshing at once would present one token twice and revoke the sign-in.
      return locks.request("live-sdk-refresh", work);
    }
    return work();
  }
}

/** exp - iat of the JWT; else the time left until accessTokenExpiresAt by this machine's clock. */
function lifetimeMs(pair: TokenPair): number {
  try {
    const payload = pair.accessToken.split(".")[1] ?? "";
    const claims = JSON.parse(atob(payload.replace(/-/g, "+").replace(/_/g, "/"))) as { iat?: unknown; exp?: unknown };
    if (typeof claims.iat === "number" && typeof claims.exp === "number" && claims.exp > claims.iat) {
      return (claims.exp - claims.iat) * 1000;
    }
  } catch {
    // Not a JWT we can read: fall through.
  }
  return pair.accessTokenExpiresAt ? Math.max(0, Number(timestampMs(pair.accessTokenExpiresAt)) - Date.now()) : 0;
}

function unrefTimer(timer: ReturnType<typeof setTimeout>): void {
  // In node a pending refresh must not keep the process alive; browsers return a number here.
  (timer as { unref?: () => void }).unref?.();
}
