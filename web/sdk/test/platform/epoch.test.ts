import { after, test } from "node:test";
import assert from "node:assert/strict";
import { RoomConnection } from "../../src/index.js";
import { browserSockets, proxy, until } from "../support/platform.js";
import { liveRoom, sendAll, signIn, watch } from "../support/rooms.js";

// Room stream epochs on real processes (issue 14 item 1, ADR 0007): the platform's private Redis runs without
// persistence and is restarted under a live room, so every room's seq starts again at 1 in a new epoch.
const opened: RoomConnection[] = [];
after(() => opened.forEach((connection) => connection.close()));

function connectionTo(options: ConstructorParameters<typeof RoomConnection>[0]): RoomConnection {
  const connection = new RoomConnection(options);
  opened.push(connection);
  return connection;
}

async function restartRedis() {
  const control = process.env["LIVE_SDK_CONTROL"];
  assert.ok(control, "LIVE_SDK_CONTROL is not set: run these tests with npm test (test/run-with-platform.mjs)");
  const response = await fetch(`${control}/redis/restart`, { method: "POST" });
  assert.equal(response.status, 204, await response.text());
}

test("after a Redis restart a live viewer and a returning client get every message or a reset notice, never a silent gap", async () => {
  const { anchor, roomId } = await liveRoom();
  const viewer = await signIn();
  const returning = await signIn();
  const watching = connectionTo({ roomId, baseUrl: proxy, auth: viewer.session, createWebSocket: browserSockets().create, backoff: { initialMs: 200 } });
  const away = connectionTo({ roomId, baseUrl: proxy, auth: returning.session, createWebSocket: browserSockets().create });
  const sender = connectionTo({ roomId, baseUrl: proxy, auth: anchor.session, createWebSocket: browserSockets().create, backoff: { initialMs: 200 } });
  const seen = watch(watching);
  const awaySeen = watch(away);
  const senderSeen = watch(sender);
  for (const connection of [watching, away, sender]) {
    connection.connect();
  }
  await until(() => [watching, away, sender].every((c) => c.state === "live"), "all three live");

  const before = Array.from({ length: 5 }, (_, i) => `before ${i}`);
  await sendAll(sender, senderSeen, before);
  await until(() => seen.messages.length === 5 && awaySeen.messages.length === 5, "the first five everywhere");
  const oldEpoch = watching.epoch!;
  assert.ok(oldEpoch > 0, "the room's first message gave its stream an epoch");
  assert.equal(away.epoch, oldEpoch);
  // The returning client leaves (a closed tab) and keeps its position, as a page would.
  const saved = { lastSeq: away.lastSeq!, epoch: away.epoch! };
  away.close();

  await restartRedis();
  const afterRestart = Array.from({ length: 6 }, (_, i) => `after ${i}`);
  // The sender's own SDK must take the new epoch's seqs 1.. too, or it would drop them as duplicates.
  await sendAll(sender, senderSeen, afterRestart);
  await until(() => seen.messages.length === 11, "every message at the live viewer", 30_000);

  assert.deepEqual(seen.messages.map((m) => m.content), [...before, ...afterRestart]);
  assert.deepEqual(seen.messages.map((m) => m.seq), [1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 6], "the new epoch starts again at 1");
  const reset = seen.lost.filter((gap) => gap.previousEpoch !== undefined);
  assert.equal(reset.length, 1, `one reset notice: ${JSON.stringify(seen.lost)}`);
  assert.equal(reset[0]!.previousEpoch, oldEpoch);
  assert.equal(reset[0]!.fromSeq, 6);
  assert.ok(watching.epoch! > 0 && watching.epoch !== oldEpoch);
  assert.equal(watching.epoch, sender.epoch);
  assert.equal(watching.lastSeq, 6);

  // Back with the old position: its whole range is reported, then the new epoch is replayed from its start.
  const sockets = browserSockets();
  const back = connectionTo({ roomId, baseUrl: proxy, auth: returning.session, createWebSocket: sockets.create, ...saved });
  const backSeen = watch(back);
  back.connect();
  await until(() => back.state === "live" && backSeen.messages.length >= 6, "the returning client's replay");
  assert.ok(sockets.made[0]!.url.includes(`last_seq=5&epoch=${oldEpoch}`), sockets.made[0]!.url);
  assert.deepEqual(backSeen.messages.map((m) => m.content), afterRestart);
  assert.deepEqual(backSeen.lost.map((gap) => [gap.fromSeq, gap.previousEpoch, gap.epoch]), [[6, oldEpoch, watching.epoch]]);
  assert.equal(back.epoch, watching.epoch);
  await sendAll(sender, senderSeen, ["live again"]);
  await until(() => backSeen.messages.length === 7 && seen.messages.length === 12, "live again for both");
  assert.equal(backSeen.messages[6]!.seq, 7);
});
