import { test } from "node:test";
import assert from "node:assert/strict";
import { FrameType, RoomConnection } from "../../src/index.js";
import { nodeSocket, record, scriptedServer, until } from "../support/scripted-server.js";
import { batchFrame, control, errorFrame, messageFrame } from "../support/server-frames.js";

test("a replay that overlaps what was delivered yields each seq once, in order", async () => {
  const server = await scriptedServer((socket, url, n) => {
    if (n === 1) {
      socket.send(control(FrameType.Resume, 0));
      socket.send(batchFrame([1, 2, 3]));
      socket.close(1001, "edge shutting down");
    } else {
      assert.equal(url.searchParams.get("last_seq"), "3");
      socket.send(batchFrame([2, 3, 4]));
      socket.send(batchFrame([5]));
      socket.send(control(FrameType.Resume, 5));
      socket.send(batchFrame([5, 6]));
    }
  });
  const room = new RoomConnection({ roomId: 7, baseUrl: server.baseUrl, createWebSocket: nodeSocket, random: () => 0 });
  const seen = record(room);
  room.connect();
  await until(() => seen.messages.length >= 6, "six messages");
  assert.deepEqual(seen.messages.map((m) => m.seq), [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(seen.messages.map((m) => m.content), ["m1", "m2", "m3", "m4", "m5", "m6"]);
  assert.deepEqual(seen.states.map((s) => s.state), ["connecting", "live", "reconnecting", "live"]);
  assert.equal(seen.states[2]!.closeCode, 1001);
  assert.equal(room.lastSeq, 6);
  assert.equal(server.urls[0]!.searchParams.get("compress"), "zstd");
  room.close();
  await server.close();
});

test("bad bytes from the server are reported, the socket is dropped and the room resumes after the last good seq", async () => {
  const server = await scriptedServer((socket, _url, n) => {
    socket.send(control(FrameType.Resume, n === 1 ? 0 : 2));
    if (n === 1) {
      socket.send(batchFrame([1, 2]));
      socket.send(new Uint8Array([0xab, 0xcd, 1, 8, 2, 0, 0]));
      socket.send(batchFrame([3]));
    } else {
      socket.send(batchFrame([3, 4]));
    }
  });
  const room = new RoomConnection({ roomId: 7, baseUrl: server.baseUrl, createWebSocket: nodeSocket, random: () => 0 });
  const seen = record(room);
  room.connect();
  await until(() => seen.messages.length >= 4, "four messages");
  assert.equal(seen.protocol.length, 1);
  assert.match(seen.protocol[0]!, /shorter than its header/);
  assert.equal(server.urls[1]!.searchParams.get("last_seq"), "2");
  assert.deepEqual(seen.messages.map((m) => m.seq), [1, 2, 3, 4]);
  room.close();
  await server.close();
});

test("a gap the server cannot fill is reported once with its range, then delivery goes on", async () => {
  const server = await scriptedServer((socket, _url, n) => {
    if (n === 1) {
      socket.send(control(FrameType.Resume, 0));
      socket.send(batchFrame([1, 2]));
      socket.close(1001);
    } else {
      socket.send(control(FrameType.NotRecovered, 40, "messages 3..40 are no longer in the room history"));
      socket.send(batchFrame([41, 42]));
      socket.send(control(FrameType.Resume, 42));
    }
  });
  const room = new RoomConnection({ roomId: 7, baseUrl: server.baseUrl, createWebSocket: nodeSocket, random: () => 0 });
  const seen = record(room);
  room.connect();
  await until(() => seen.messages.length >= 4, "four messages");
  assert.deepEqual(seen.lost, [{ fromSeq: 3, toSeq: 40, count: 38, reason: "messages 3..40 are no longer in the room history", epoch: 0 }]);
  assert.deepEqual(seen.messages.map((m) => m.seq), [1, 2, 41, 42]);
  room.close();
  await server.close();
});

test("going live past what was replayed is never a silent skip", async () => {
  const server = await scriptedServer((socket, _url, n) => {
    if (n === 1) {
      socket.send(control(FrameType.Resume, 0));
      socket.send(batchFrame([1]));
      socket.close(1001);
    } else {
      socket.send(control(FrameType.Resume, 5));
      socket.send(batchFrame([6]));
    }
  });
  const room = new RoomConnection({ roomId: 7, baseUrl: server.baseUrl, createWebSocket: nodeSocket, random: () => 0 });
  const seen = record(room);
  room.connect();
  await until(() => seen.messages.length >= 2, "two messages");
  assert.deepEqual(seen.lost.map((l) => [l.fromSeq, l.toSeq]), [[2, 5]]);
  room.close();
  await server.close();
});

test("error frames carry the reason code and retry-after; the connection stays live", async () => {
  const server = await scriptedServer((socket) => {
    socket.send(control(FrameType.Resume, 0));
    socket.on("message", () => socket.send(errorFrame(12, "slow_mode", "slow mode is on in this room; retry in 2.3 s.", 2300)));
  });
  const room = new RoomConnection({ roomId: 7, baseUrl: server.baseUrl, createWebSocket: nodeSocket });
  const seen = record(room);
  room.connect();
  await until(() => room.state === "live", "live");
  assert.equal(room.send("hello"), true);
  await until(() => seen.errors.length === 1, "an error event");
  assert.deepEqual(seen.errors[0], { code: 12, reason: "slow_mode", message: "slow mode is on in this room; retry in 2.3 s.", retryAfterMs: 2300 });
  assert.equal(room.state, "live");
  room.close();
  assert.equal(room.send("after close"), false);
  await server.close();
});

test("a silent server is left after the idle timeout and heartbeats go up meanwhile", async () => {
  const received: number[] = [];
  const server = await scriptedServer((socket) => {
    socket.send(control(FrameType.Resume, 0));
    socket.on("message", (data: Buffer) => received.push(data[3]!));
  });
  const room = new RoomConnection({ roomId: 7, baseUrl: server.baseUrl, createWebSocket: nodeSocket, heartbeatIntervalMs: 100, idleTimeoutMs: 600, random: () => 0 });
  const seen = record(room);
  room.connect();
  await until(() => seen.states.some((s) => s.state === "reconnecting"), "an idle reconnect");
  assert.ok(received.filter((type) => type === FrameType.Heartbeat).length >= 2);
  assert.equal(seen.states.find((s) => s.state === "reconnecting")!.closeCode, 4002);
  room.close();
  await server.close();
});

test("the token is offered beside live.v1, and a refused upgrade is retried with backoff", async () => {
  let offered: string[] = [];
  const server = await scriptedServer((socket) => socket.send(control(FrameType.Resume, 0)));
  const auth = { accessToken: async () => "header.payload.sig", tokenRejected: async () => false };
  const room = new RoomConnection({
    roomId: 7,
    baseUrl: server.baseUrl,
    auth,
    createWebSocket: (url, protocols) => {
      offered = protocols;
      return nodeSocket(url, protocols);
    },
  });
  room.connect();
  await until(() => room.state === "live", "live");
  assert.deepEqual(offered, ["live.v1", "access_token.header.payload.sig"]);
  room.close();
  await server.close();

  const nowhere = new RoomConnection({ roomId: 7, baseUrl: server.baseUrl, createWebSocket: nodeSocket, backoff: { initialMs: 50, maxMs: 100 } });
  const seen = record(nowhere);
  nowhere.connect();
  await until(() => seen.states.filter((s) => s.state === "reconnecting").length >= 3, "three attempts");
  assert.ok(seen.states.filter((s) => s.state === "reconnecting").every((s) => (s.delayMs ?? 0) < 100));
  nowhere.close();
  assert.equal(nowhere.state, "closed");
});

test("a room pass is held in room.pass and announced once; unknown frames are ignored; close forgets the pass", async () => {
  const expiresAt = Date.now() + 600_000;
  const server = await scriptedServer((socket) => {
    socket.send(control(FrameType.Resume, 0));
    socket.send(messageFrame(FrameType.RoomPass, expiresAt, { userId: 12, content: "12.7.1.mac-a" }));
    socket.send(messageFrame(0x7f, 1, { content: "from a newer server" }));
    socket.send(messageFrame(FrameType.RoomPass, expiresAt, { userId: 12, content: "12.7.1.mac-a" }));
    socket.send(messageFrame(FrameType.RoomPass, expiresAt + 1000, { userId: 12, content: "12.7.2.mac-b" }));
    socket.send(batchFrame([1]));
  });
  const room = new RoomConnection({ roomId: 7, baseUrl: server.baseUrl, createWebSocket: nodeSocket, random: () => 0 });
  const seen = record(room);
  const passes: { pass: string; expiresAt: number }[] = [];
  room.on("pass", (p) => passes.push(p));
  assert.equal(room.pass, undefined);
  room.connect();
  await until(() => seen.messages.length >= 1, "the message after the passes");
  assert.deepEqual(passes, [{ pass: "12.7.1.mac-a", expiresAt }, { pass: "12.7.2.mac-b", expiresAt: expiresAt + 1000 }]);
  assert.equal(room.pass, "12.7.2.mac-b");
  assert.equal(seen.protocol.length, 0);
  room.close();
  assert.equal(room.pass, undefined);
  await server.close();
});

test("an expired pass is not offered, and a guest connection has none", async () => {
  const server = await scriptedServer((socket) => {
    socket.send(control(FrameType.Resume, 0));
    socket.send(messageFrame(FrameType.RoomPass, Date.now() - 1, { userId: 12, content: "12.7.1.old" }));
    socket.send(batchFrame([1]));
  });
  const room = new RoomConnection({ roomId: 7, baseUrl: server.baseUrl, createWebSocket: nodeSocket, random: () => 0 });
  const seen = record(room);
  room.connect();
  await until(() => seen.messages.length >= 1, "a message");
  assert.equal(room.pass, undefined);
  room.close();
  await server.close();
});
