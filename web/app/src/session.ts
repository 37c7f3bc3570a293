import { AuthSession, createPlatformClients, newTraceContext, Role, type PlatformClients, type TracingOptions, type UserProfile } from '@live/sdk';
import { tracingFromAddress } from './tracing';

export interface CurrentUser {
  id: bigint;
  username: string;
  name: string;
  level: number;
  anchor: boolean;
  admin: boolean;
}

type Listener = (user: CurrentUser | null) => void;

/**
 * The signed-in user as the app sees it, over the SDK's AuthSession: the access token stays in the SDK's
 * memory and the refresh token in the Proxy's HttpOnly cookie (docs/adr/0006-browser-access.md), so a reload
 * signs in again with `restore()` and no page script can read either token from storage.
 */
export class Session {
  readonly auth: AuthSession;
  readonly clients: PlatformClients;
  /** Set by `?trace=<share>` when the page loaded; the room's connection uses it too. */
  readonly tracing: TracingOptions | undefined;
  private current: CurrentUser | null = null;
  private readonly listeners = new Set<Listener>();

  constructor() {
    this.auth = new AuthSession();
    this.tracing = tracingFromAddress(location.search, newTraceContext().traceId, (line) => console.info(line));
    this.clients = createPlatformClients({ auth: this.auth, ...(this.tracing ? { tracing: this.tracing } : {}) });
    this.auth.onChange((state) => {
      const next = state.status === 'signedIn' ? toCurrentUser(state.user) : null;
      const changed = !sameUser(this.current, next);
      this.current = next;
      // A token refresh emits too; views are rebuilt only when the person (or their roles) changed.
      if (changed) for (const listener of this.listeners) listener(next);
    });
  }

  get user(): CurrentUser | null {
    return this.current;
  }

  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Signs in from the refresh cookie if there is one; a failure leaves the visitor signed out. */
  async restore(): Promise<void> {
    try {
      await this.auth.restore();
    } catch {
      // No network to the Proxy right now: the visitor starts signed out and can sign in by hand.
    }
  }

  async signIn(username: string, password: string): Promise<void> {
    await this.auth.login(username, password);
  }

  async register(username: string, password: string, displayName: string, asAnchor: boolean): Promise<void> {
    await this.auth.register({ username, password, displayName, asAnchor });
  }

  /**
   * Forgets the tokens here whatever happens; revoking the sign-in on the server is best effort (if the
   * Proxy cannot be reached, the refresh token expires on its own and nothing on this page can use it).
   */
  async signOut(): Promise<void> {
    try {
      await this.auth.logout();
    } catch {
      // Already signed out locally (AuthSession.logout clears in `finally`).
    }
  }
}

function sameUser(a: CurrentUser | null, b: CurrentUser | null): boolean {
  if (a === null || b === null) return a === b;
  return a.id === b.id && a.anchor === b.anchor && a.admin === b.admin && a.name === b.name;
}

function toCurrentUser(profile: UserProfile): CurrentUser {
  return {
    id: profile.userId,
    username: profile.username,
    name: profile.displayName || profile.username,
    level: profile.level,
    anchor: profile.roles.includes(Role.ANCHOR),
    admin: profile.roles.includes(Role.ADMIN),
  };
}
