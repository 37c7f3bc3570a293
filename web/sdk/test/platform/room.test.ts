import { after, test } from "node:test";
import assert from "node:assert/strict";
import { RoomConnection } from "../../src/index.js";
import { browserSockets, proxy, until } from "../support/platform.js";
import { liveRoom, sendAll, signIn, watch } from "../support/rooms.js";

// Every connection a test opens is closed at the end, also when the test failed half-way (an open socket
// would keep this file's process, and the run, from ending).
const opened: RoomConnection[] = [];
after(() => opened.forEach((connection) => connection.close()));

function connectionTo(options: ConstructorParameters<typeof RoomConnection>[0]): RoomConnection {
  const connection = new RoomConnection(options);
  opened.push(connection);
  return connection;
}

test("through the Proxy with the token as a subprotocol, ws accepts the upgrade and messages flow both ways", async () => {
  const { anchor, roomId } = await liveRoom();
  const sockets = browserSockets();
  const room = connectionTo({ roomId, baseUrl: proxy, auth: anchor.session, createWebSocket: sockets.create });
  const seen = watch(room);
  room.connect();
  await until(() => room.state === "live", "live");
  // ws refuses an upgrade answer that names no offered subprotocol (issue 14 item 4).
  assert.equal(sockets.latest().protocol, "live.v1");

  await sendAll(room, seen, ["hello <script>alert(1)</script>"]);
  const [message] = seen.messages;
  assert.equal(message!.content, "hello <script>alert(1)</script>");
  assert.equal(message!.userId, Number(anchor.user.userId));
  assert.equal(message!.roomId, Number(roomId));
  assert.ok(message!.seq > 0);
  room.close();
});

test("a viewer cut off while the room talks resumes from its last seq: every message once, in order", async () => {
  const { anchor, roomId } = await liveRoom();
  const viewer = await signIn();
  const viewerSockets = browserSockets();
  // The viewer waits ~1.5 s before reconnecting, so the sender's next messages are sent while it is away.
  const watching = connectionTo({ roomId, baseUrl: proxy, auth: viewer.session, createWebSocket: viewerSockets.create, backoff: { initialMs: 1500 }, random: () => 0.999 });
  const sender = connectionTo({ roomId, baseUrl: proxy, auth: anchor.session, createWebSocket: browserSockets().create });
  const seen = watch(watching);
  const senderSeen = watch(sender);
  watching.connect();
  sender.connect();
  await until(() => watching.state === "live" && sender.state === "live", "both live");

  await sendAll(sender, senderSeen, Array.from({ length: 8 }, (_, i) => `before ${i}`));
  await until(() => seen.messages.length === 8, "the first eight");
  viewerSockets.latest().terminate();
  await until(() => watching.state === "reconnecting", "the viewer noticing the drop");
  await sendAll(sender, senderSeen, Array.from({ length: 12 }, (_, i) => `away ${i}`));
  await until(() => seen.messages.length >= 20, "all twenty after the resume");
  await sendAll(sender, senderSeen, ["after"]);
  await until(() => seen.messages.length >= 21, "live again");

  const seqs = seen.messages.map((m) => m.seq);
  assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b));
  assert.equal(new Set(seqs).size, seqs.length, "no seq twice");
  assert.equal(seqs[20]! - seqs[0]!, 20, "no gap");
  assert.deepEqual(seen.messages.map((m) => m.content), [
    ...Array.from({ length: 8 }, (_, i) => `before ${i}`), ...Array.from({ length: 12 }, (_, i) => `away ${i}`), "after"]);
  assert.deepEqual(seen.lost, []);
  assert.deepEqual(seen.states.map((s) => s.state), ["connecting", "live", "reconnecting", "live"]);
  assert.ok(viewerSockets.made[1]!.url.includes(`last_seq=${seqs[7]}`));
  watching.close();
  sender.close();
});

test("a viewer away longer than the room's history is told exactly what it missed", async () => {
  const { anchor, roomId } = await liveRoom();
  const viewer = await signIn();
  const viewerSockets = browserSockets();
  const watching = connectionTo({ roomId, baseUrl: proxy, auth: viewer.session, createWebSocket: viewerSockets.create, backoff: { initialMs: 2500 }, random: () => 0.999 });
  const sender = connectionTo({ roomId, baseUrl: proxy, auth: anchor.session, createWebSocket: browserSockets().create });
  const seen = watch(watching);
  const senderSeen = watch(sender);
  watching.connect();
  sender.connect();
  await until(() => watching.state === "live" && sender.state === "live", "both live");
  await sendAll(sender, senderSeen, ["first"]);
  await until(() => seen.messages.length === 1, "the first message");
  const firstSeq = seen.messages[0]!.seq;

  viewerSockets.latest().terminate();
  await until(() => watching.state === "reconnecting", "the drop");
  // The test platform keeps 30 messages of history per room.
  await sendAll(sender, senderSeen, Array.from({ length: 45 }, (_, i) => `missed ${i}`));
  await until(() => watching.state === "live" && seen.messages.length >= 31, "the resume", 20_000);

  assert.equal(seen.lost.length, 1);
  const [gap] = seen.lost;
  assert.equal(gap!.fromSeq, firstSeq + 1);
  assert.ok(gap!.count >= 15, `${gap!.count} not recovered`);
  const resumed = seen.messages.slice(1);
  assert.equal(resumed[0]!.seq, gap!.toSeq + 1, "replay starts right after the gap");
  assert.equal(resumed[resumed.length - 1]!.content, "missed 44");
  assert.equal(gap!.count + resumed.length, 45, "lost and replayed add up to what was sent");
  watching.close();
  sender.close();
});

test("the JSON text form carries the same messages", async () => {
  const { anchor, roomId } = await liveRoom();
  const viewer = await signIn();
  const json = connectionTo({ roomId, baseUrl: proxy, auth: viewer.session, format: "json", createWebSocket: browserSockets().create });
  const binary = connectionTo({ roomId, baseUrl: proxy, auth: anchor.session, createWebSocket: browserSockets().create });
  const jsonSeen = watch(json);
  const binarySeen = watch(binary);
  json.connect();
  binary.connect();
  await until(() => json.state === "live" && binary.state === "live", "both live");
  await sendAll(json, jsonSeen, ["from json", "ünïcode ✓"]);
  await until(() => jsonSeen.messages.length === 2 && binarySeen.messages.length === 2, "both see both");
  assert.deepEqual(jsonSeen.messages, binarySeen.messages);
  json.close();
  binary.close();
});

test("a signed-in viewer gets a room pass for this room through the Proxy, in both forms; a guest gets none", async () => {
  const { roomId } = await liveRoom();
  const viewer = await signIn();
  const binary = connectionTo({ roomId, baseUrl: proxy, auth: viewer.session, createWebSocket: browserSockets().create });
  const json = connectionTo({ roomId, baseUrl: proxy, auth: viewer.session, format: "json", createWebSocket: browserSockets().create });
  const guest = connectionTo({ roomId, baseUrl: proxy, createWebSocket: browserSockets().create });
  const events: { pass: string; expiresAt: number }[] = [];
  binary.on("pass", (event) => events.push(event));
  for (const connection of [binary, json, guest]) {
    connection.connect();
  }
  await until(() => binary.pass !== undefined && json.pass !== undefined && guest.state === "live", "passes and a live guest");
  for (const pass of [binary.pass!, json.pass!]) {
    const [user, room, expires] = pass.split(".");
    assert.equal(room, String(roomId));
    assert.ok(Number(user) > 0);
    assert.ok(Number(expires) * 1000 > Date.now() + 9 * 60_000, "valid for about ten minutes");
  }
  assert.equal(events.length, 1);
  assert.equal(events[0]!.pass, binary.pass);
  assert.equal(guest.pass, undefined);
  binary.close();
  assert.equal(binary.pass, undefined);
  json.close();
  guest.close();
});
