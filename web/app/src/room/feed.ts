/** What a room page needs from the live connection; `live.ts` provides it over the SDK's RoomConnection. */
export interface FeedMessage {
  kind: 'danmaku' | 'gift' | 'system';
  seq: number;
  userId: number;
  userName: string;
  content: string;
  color: string;
}

export interface FeedRejection {
  code: number;
  /** snake_case reason (docs/protocol.md): rate_limited, slow_mode, banned, … */
  reason: string;
  /** The reason for people. */
  text: string;
  /** 0 when the refusal does not lift by itself. */
  retryAfterMs: number;
}

export type FeedState = 'connecting' | 'live' | 'reconnecting' | 'closed';

export interface FeedListener {
  message(message: FeedMessage): void;
  deleted(seq: number): void;
  online(viewers: number): void;
  rejected(rejection: FeedRejection): void;
  /** Messages that were lost across a reconnect (`count` 0 when the server did not say how many). */
  notRecovered(count: number, reason: string): void;
  /**
   * The room's message stream started again (a new epoch: Redis lost it, or its seq went back): seqs count
   * from 1 again, so the messages on screen can no longer be named (deleted) by theirs. Comes before the
   * `notRecovered` of the same change.
   */
  streamReset(): void;
  state(state: FeedState, detail: string): void;
}

export interface RoomFeed {
  /** False when the message could not be handed to the connection (not live). */
  send(content: string, colour: string): boolean;
  /** The room pass the Edge gave this signed-in connection (for Purchase); undefined for guests and until one came. */
  pass(): string | undefined;
  close(): void;
}
