import { RoomConnection } from '@live/sdk';
import type { AppContext } from '../app';
import type { FeedListener, FeedState, RoomFeed } from './feed';

/**
 * Opens a room's live stream through the SDK's RoomConnection (binary frames, zstd batches, resume by seq
 * with jittered backoff) and hands its events to the page. Signed in, the access token rides as a
 * subprotocol; a guest's connection is read-only.
 */
export function openFeed(context: AppContext, roomId: number, listener: FeedListener): RoomFeed {
  const connection = new RoomConnection({
    roomId,
    ...(context.user !== null ? { auth: context.session.auth } : {}),
    ...(context.session.tracing ? { tracing: context.session.tracing } : {}),
  });
  connection.on('message', (m) => listener.message(m));
  connection.on('gift', (m) => listener.message(m));
  connection.on('system', (m) => listener.message(m));
  connection.on('delete', ({ seq }) => listener.deleted(seq));
  connection.on('online', ({ viewers }) => listener.online(viewers));
  // Messages to the user arrive on whatever room connection is open; the SDK acks each after this returns.
  connection.on('inbox', (message) => context.inbox?.received(message));
  connection.on('error', (error) =>
    listener.rejected({ code: error.code, reason: error.reason, text: error.message, retryAfterMs: error.retryAfterMs }),
  );
  connection.on('notRecovered', (gap) => {
    if (gap.previousEpoch !== undefined) listener.streamReset();
    listener.notRecovered(gap.count, gap.reason);
  });
  connection.on('state', (change) => {
    if (change.state === 'idle') return;
    listener.state(change.state as FeedState, stateDetail(change.state, change.attempt, change.closeReason));
  });
  connection.connect();
  return {
    send: (content, colour) => connection.send(content, colour),
    pass: () => connection.pass,
    close: () => connection.close(),
  };
}

function stateDetail(state: string, attempt: number | undefined, reason: string | undefined): string {
  if (state === 'reconnecting') return attempt !== undefined && attempt > 1 ? `attempt ${attempt}` : '';
  if (state === 'closed') return reason ?? '';
  return '';
}
