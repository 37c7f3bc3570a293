import { after, test } from "node:test";
import assert from "node:assert/strict";
import { FrameType, RoomConnection } from "../../src/index.js";
import { nodeSocket, record, scriptedServer as startScriptedServer, until, type Script } from "../support/scripted-server.js";
import { batchFrame, control, jsonBatch, jsonControl } from "../support/server-frames.js";

// Room stream epochs (docs/protocol.md, Resume; ADR 0007) as the Edge sends them, scripted: what the SDK keeps,
// sends back and tells the app. The same on real processes, with a real Redis restart: test/platform/epoch.test.ts.
const OLD = 1_763_839_990_000_001;
const NEW = 1_763_840_000_398_112;
// Everything a test opens is closed at the end, also when it failed half-way (a reconnecting room would keep the run alive).
const rooms: RoomConnection[] = [];
const servers: { close(): Promise<unknown> }[] = [];
after(async () => {
  rooms.forEach((room) => room.close());
  await Promise.all(servers.map((server) => server.close()));
});

async function scriptedServer(script: Script) {
  const server = await startScriptedServer(script);
  servers.push(server);
  return server;
}

function roomConnection(options: ConstructorParameters<typeof RoomConnection>[0]): RoomConnection {
  const room = new RoomConnection(options);
  rooms.push(room);
  return room;
}

const RESET = "the room's message stream was reset (now epoch 1763840000398112): messages after 3 of the previous epoch cannot be recovered";

test("a live epoch change is told to the app, and the new epoch's seqs (lower than before) are delivered, not taken for duplicates", async () => {
  const server = await scriptedServer((socket, _url, n) => {
    if (n === 1) {
      socket.send(control(FrameType.Resume, 0, "", OLD));
      socket.send(batchFrame([1, 2, 3]));
      // What every connection gets when Redis lost the room's state: not recovered, resume, then the new epoch.
      socket.send(control(FrameType.NotRecovered, 3, RESET, NEW));
      socket.send(control(FrameType.Resume, 0, "", NEW));
      socket.send(batchFrame([1, 2]));
      socket.close(1001, "edge shutting down");
    } else {
      socket.send(control(FrameType.Resume, 2, "", NEW));
      socket.send(batchFrame([3]));
    }
  });
  const room = roomConnection({ roomId: 7, baseUrl: server.baseUrl, createWebSocket: nodeSocket, random: () => 0 });
  const seen = record(room);
  room.connect();
  await until(() => seen.messages.length >= 6, "six messages");
  assert.deepEqual(seen.messages.map((m) => m.seq), [1, 2, 3, 1, 2, 3]);
  assert.deepEqual(seen.lost, [{ fromSeq: 4, toSeq: 3, count: 0, reason: RESET, epoch: NEW, previousEpoch: OLD }]);
  assert.equal(room.epoch, NEW);
  assert.equal(room.lastSeq, 3);
  // The reconnect names the new epoch beside the seq, so the server can tell a lineage it no longer has.
  assert.equal(server.urls[1]!.searchParams.get("last_seq"), "2");
  assert.equal(server.urls[1]!.searchParams.get("epoch"), String(NEW));
  room.close();
  await server.close();
});

test("a replica that lagged: the new epoch continues after the seq its resume frame names, with no gap reported below it", async () => {
  const server = await scriptedServer((socket) => {
    socket.send(control(FrameType.Resume, 0, "", OLD));
    socket.send(batchFrame([1, 2, 3, 4, 5]));
    // The lineage went back to 3 and the node held what it got meanwhile: it goes out after the announcement.
    socket.send(control(FrameType.NotRecovered, 5, RESET, NEW));
    socket.send(control(FrameType.Resume, 3, "", NEW));
    socket.send(batchFrame([4, 5, 6]));
  });
  const room = roomConnection({ roomId: 7, baseUrl: server.baseUrl, createWebSocket: nodeSocket });
  const seen = record(room);
  room.connect();
  await until(() => seen.messages.length >= 8, "eight messages");
  assert.deepEqual(seen.messages.map((m) => m.seq), [1, 2, 3, 4, 5, 4, 5, 6]);
  assert.equal(seen.lost.length, 1);
  assert.equal(seen.lost[0]!.previousEpoch, OLD);
  assert.equal(room.lastSeq, 6);
  room.close();
  await server.close();
});

test("resuming with an epoch that is over: the whole range is reported, then the new epoch from its start, capped history included", async () => {
  const server = await scriptedServer((socket, url, n) => {
    if (n === 1) {
      socket.send(control(FrameType.Resume, 0, "", OLD));
      socket.send(batchFrame([1, 2, 3]));
      socket.close(1001);
      return;
    }
    assert.equal(url.searchParams.get("last_seq"), "3");
    assert.equal(url.searchParams.get("epoch"), String(OLD));
    socket.send(control(FrameType.NotRecovered, 3, `epoch ${OLD} is over (the room's stream is in epoch ${NEW}): messages after 3 cannot be recovered`, NEW));
    socket.send(control(FrameType.NotRecovered, 2, "messages 1..2 are no longer in the room history", NEW));
    socket.send(batchFrame([3, 4]));
    socket.send(control(FrameType.Resume, 4, "", NEW));
    socket.send(batchFrame([5]));
  });
  const room = roomConnection({ roomId: 7, baseUrl: server.baseUrl, createWebSocket: nodeSocket, random: () => 0 });
  const seen = record(room);
  room.connect();
  await until(() => seen.messages.length >= 6, "six messages");
  assert.deepEqual(seen.messages.map((m) => m.seq), [1, 2, 3, 3, 4, 5]);
  assert.deepEqual(seen.lost.map((l) => [l.fromSeq, l.toSeq, l.count, l.epoch, l.previousEpoch]), [[4, 3, 0, NEW, OLD], [1, 2, 2, NEW, undefined]]);
  assert.deepEqual(seen.states.map((s) => s.state), ["connecting", "live", "reconnecting", "live"]);
  room.close();
  await server.close();
});

test("a room's first epoch is adopted without a notice, and epoch 0 is never sent back", async () => {
  const server = await scriptedServer((socket, url, n) => {
    if (n === 1) {
      // A room without messages has no epoch yet; its first message makes one, announced with seq 0.
      socket.send(control(FrameType.Resume, 0, "", 0));
      socket.send(control(FrameType.NotRecovered, 0, `the room's message stream is in epoch ${NEW}`, NEW));
      socket.send(control(FrameType.Resume, 0, "", NEW));
      socket.send(batchFrame([1]));
      socket.close(1001);
    } else {
      assert.equal(url.searchParams.get("epoch"), String(NEW));
      socket.send(control(FrameType.Resume, 1, "", NEW));
      socket.send(batchFrame([2]));
    }
  });
  const room = roomConnection({ roomId: 7, baseUrl: server.baseUrl, createWebSocket: nodeSocket, random: () => 0 });
  const seen = record(room);
  room.connect();
  await until(() => seen.messages.length >= 2, "two messages");
  assert.deepEqual(seen.lost, []);
  assert.deepEqual(seen.messages.map((m) => m.seq), [1, 2]);
  // The epoch's resume frame on a live connection is no second "live".
  assert.deepEqual(seen.states.map((s) => s.state), ["connecting", "live", "reconnecting", "live"]);
  room.close();
  await server.close();

  const noEpoch = await scriptedServer((socket) => socket.send(control(FrameType.Resume, 4, "", 0)));
  const quiet = roomConnection({ roomId: 7, baseUrl: noEpoch.baseUrl, createWebSocket: nodeSocket, lastSeq: 4, epoch: 0 });
  quiet.connect();
  await until(() => quiet.state === "live", "live");
  assert.equal(noEpoch.urls[0]!.searchParams.get("last_seq"), "4");
  assert.equal(noEpoch.urls[0]!.searchParams.has("epoch"), false);
  quiet.close();
  await noEpoch.close();
});

test("a saved position resumes with its epoch, and a seq that went back within an epoch is reported, not skipped", async () => {
  const server = await scriptedServer((socket, url) => {
    assert.equal(url.searchParams.get("last_seq"), "9");
    assert.equal(url.searchParams.get("epoch"), String(OLD));
    // The room's seq is below the client's in the same epoch: the Edge says so and goes live at its latest.
    socket.send(control(FrameType.NotRecovered, 9, "last_seq 9 is ahead of the room (latest 6); its history was reset", OLD));
    socket.send(control(FrameType.Resume, 6, "", OLD));
    socket.send(batchFrame([7]));
  });
  const room = roomConnection({ roomId: 7, baseUrl: server.baseUrl, createWebSocket: nodeSocket, lastSeq: 9, epoch: OLD });
  const seen = record(room);
  room.connect();
  await until(() => seen.messages.length >= 1, "one message");
  assert.deepEqual(seen.messages.map((m) => m.seq), [7]);
  assert.deepEqual(seen.lost.map((l) => [l.fromSeq, l.toSeq, l.epoch]), [[7, 9, OLD]]);
  room.close();
  await server.close();
});

test("the JSON text form carries epochs the same way", async () => {
  const server = await scriptedServer((socket, url, n) => {
    assert.equal(url.searchParams.get("format"), "json");
    if (n === 1) {
      socket.send(jsonControl("resume", 0, OLD));
      socket.send(jsonBatch([1, 2, 3]));
      socket.send(jsonControl("not_recovered", 3, NEW, RESET));
      socket.send(jsonControl("resume", 0, NEW));
      socket.send(jsonBatch([1]));
      socket.close(1001);
    } else {
      assert.equal(url.searchParams.get("epoch"), String(NEW));
      socket.send(jsonControl("resume", 1, NEW));
      socket.send(jsonBatch([2]));
    }
  });
  const room = roomConnection({ roomId: 7, baseUrl: server.baseUrl, createWebSocket: nodeSocket, format: "json", random: () => 0 });
  const seen = record(room);
  room.connect();
  await until(() => seen.messages.length >= 5, "five messages");
  assert.deepEqual(seen.messages.map((m) => m.seq), [1, 2, 3, 1, 2]);
  assert.deepEqual(seen.lost.map((l) => [l.epoch, l.previousEpoch, l.reason]), [[NEW, OLD, RESET]]);
  room.close();
  await server.close();
});
