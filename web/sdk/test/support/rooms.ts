import assert from "node:assert/strict";
import { AuthSession, createPlatformClients, type NotRecovered, type RoomConnection, type RoomMessage, type ServerError, type StateChange } from "../../src/index.js";
import { newUsername, proxy, until } from "./platform.js";

/** Rooms and people on the platform test/run-with-platform.mjs started. */
export async function signIn(asAnchor = false) {
  const session = new AuthSession({ baseUrl: proxy, refreshTokenStorage: "memory" });
  const user = await session.register({ username: newUsername(asAnchor ? "anchor" : "viewer"), password: "sdk-test-password", asAnchor });
  return { session, user, api: createPlatformClients({ baseUrl: proxy, auth: session }) };
}

export async function liveRoom() {
  const anchor = await signIn(true);
  const room = await anchor.api.rooms.createRoom({ title: "sdk room", category: "chat" });
  await anchor.api.rooms.startLive({ roomId: room.id });
  return { anchor, roomId: room.id };
}

export type Seen = { messages: RoomMessage[]; lost: NotRecovered[]; states: StateChange[]; errors: ServerError[] };

export function watch(connection: RoomConnection): Seen {
  const seen: Seen = { messages: [], lost: [], states: [], errors: [] };
  connection.on("message", (m) => seen.messages.push(m));
  connection.on("notRecovered", (n) => seen.lost.push(n));
  connection.on("state", (s) => seen.states.push(s));
  connection.on("error", (e) => seen.errors.push(e));
  return seen;
}

/**
 * Sends each text once the room has taken the one before (the sender sees its own messages); a refusal that
 * lifts (unavailable, overloaded on a loaded machine) is retried after its retry-after, so a test never
 * depends on a send the server turned down. A sender dropped with a text in flight (its Edge lost the message
 * stream, e.g. while Redis restarts) sends it again only if the resume did not bring it back.
 */
export async function sendAll(sender: RoomConnection, senderSeen: Seen, texts: string[]) {
  const arrived = (text: string) => senderSeen.messages.some((m) => m.content === text);
  for (const text of texts) {
    for (let attempt = 1; !arrived(text); attempt++) {
      assert.ok(attempt <= 10, `${text} was not taken in ${attempt - 1} attempts`);
      await until(() => sender.state === "live", `the sender being live to send ${text}`);
      const errors = senderSeen.errors.length;
      assert.equal(sender.send(text, "#ffffff"), true, `sending ${text}`);
      await until(() => arrived(text) || senderSeen.errors.length > errors || sender.state !== "live", `the room taking ${text}`);
      if (arrived(text)) {
        break;
      }
      if (sender.state !== "live") {
        await until(() => sender.state === "live", `the sender back after a drop with ${text} in flight`);
        await settles(() => arrived(text), 1_000);
        continue;
      }
      const refusal = senderSeen.errors[senderSeen.errors.length - 1]!;
      assert.ok(["unavailable", "overloaded", "rate_limited"].includes(refusal.reason), `${text} refused: ${refusal.reason} ${refusal.message}`);
      await new Promise((resolve) => setTimeout(resolve, Math.max(200, refusal.retryAfterMs)));
    }
  }
}

/** Whether the condition holds within the time (false instead of an error). */
export async function settles(condition: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) {
      return false;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}
