import type { PlatformClients } from '@live/sdk';

const CAPACITY = 1000;
const BATCH_DELAY_MS = 30;
const MAX_BATCH = 500;

/**
 * Display names of users (anchors on room cards, leaderboard entries), asked from UserService.GetUsers in
 * batches and kept in a bounded least-recently-used map. Guests cannot call GetUsers; they see user ids.
 */
export class NameDirectory {
  private readonly clients: PlatformClients;
  private readonly names = new Map<bigint, string>();
  private wanted = new Set<bigint>();
  private waiting: Promise<void> | null = null;
  private readonly canAsk: () => boolean;

  constructor(clients: PlatformClients, canAsk: () => boolean) {
    this.clients = clients;
    this.canAsk = canAsk;
  }

  /** The name if known, else `user <id>`. */
  label(userId: bigint): string {
    const name = this.names.get(userId);
    return name ?? `user ${userId}`;
  }

  /** Learns the names of these users (one GetUsers per batch); resolves when they are known or could not be. */
  resolve(userIds: Iterable<bigint>): Promise<void> {
    for (const id of userIds) {
      if (id > 0n && !this.names.has(id)) this.wanted.add(id);
    }
    if (this.wanted.size === 0 || !this.canAsk()) return Promise.resolve();
    this.waiting ??= new Promise<void>((resolve) => setTimeout(resolve, BATCH_DELAY_MS)).then(() => this.fetch());
    return this.waiting;
  }

  private async fetch(): Promise<void> {
    const ids = [...this.wanted].slice(0, MAX_BATCH);
    this.wanted = new Set([...this.wanted].slice(MAX_BATCH));
    this.waiting = null;
    try {
      const answer = await this.clients.users.getUsers({ userIds: ids });
      for (const user of answer.users) this.remember(user.userId, user.displayName || user.username);
    } catch {
      // Names are decoration: on failure the ids stay shown and the next resolve asks again.
    }
    if (this.wanted.size > 0) await this.resolve([]);
  }

  private remember(id: bigint, name: string): void {
    this.names.delete(id);
    this.names.set(id, name);
    if (this.names.size > CAPACITY) {
      const oldest = this.names.keys().next().value;
      if (oldest !== undefined) this.names.delete(oldest);
    }
  }
}
