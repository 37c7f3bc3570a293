import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { decodeBinaryFrame, decodeJsonFrame, encodeAck, encodeJsonAck, FrameType, RoomConnection, type InboxMessage } from "../../src/index.js";
import { nodeSocket, scriptedServer, until } from "../support/scripted-server.js";
import { control, messageFrame } from "../support/server-frames.js";

interface ClientAck {
  seq: number;
  base64: string;
  json: string;
}

const acks: ClientAck[] = JSON.parse(readFileSync(new URL("../../../test/fixtures/frames.json", import.meta.url), "utf8")).clientAcks;

/** A user message frame as the Edge writes it: a message frame, then kind (u8) and duration (i64). */
function userMessage(seq: number, content: string, kind = 1, durationSeconds = 0): Uint8Array {
  const body = messageFrame(FrameType.UserMessage, seq, { content, roomId: 0 });
  const frame = new Uint8Array(body.length + 9);
  frame.set(body);
  const view = new DataView(frame.buffer);
  view.setUint8(body.length, kind);
  view.setBigInt64(body.length + 1, BigInt(durationSeconds));
  return frame;
}

function ackSeq(data: Buffer): number {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  assert.equal(data[3], FrameType.Ack);
  return Number(view.getBigInt64(29));
}

test("acks are the bytes and JSON the server's codec reads", () => {
  for (const ack of acks) {
    assert.equal(Buffer.from(encodeAck(ack.seq)).toString("base64"), ack.base64);
    assert.equal(encodeJsonAck(ack.seq), ack.json);
  }
});

test("a user message frame without its tail, or a JSON one without a seq, is refused", () => {
  const whole = userMessage(3, "hi");
  assert.equal(decodeBinaryFrame(whole.subarray(0, whole.length - 1)).ok, false);
  assert.deepEqual(decodeJsonFrame('{"type":"user_message","ts":1}'), { ok: false, reason: "user_message without a positive seq" });
});

test("each user message reaches the app once, in order, across a reconnect; acks are cumulative, after the handler, and repeated for a resend", async () => {
  const received: number[][] = [[], []];
  const server = await scriptedServer((socket, _url, n) => {
    socket.on("message", (data: Buffer) => {
      if (data[3] === FrameType.Ack) {
        received[n - 1]!.push(ackSeq(data));
      }
    });
    socket.send(control(FrameType.Resume, 0));
    if (n === 1) {
      socket.send(userMessage(1, "one"));
      socket.send(userMessage(2, "two", 2, 600));
      setTimeout(() => socket.close(1001, "edge shutting down"), 300);
    } else {
      // The Edge sends what was not acked as far as it knows: 2 again, then 3.
      socket.send(userMessage(2, "two", 2, 600));
      socket.send(userMessage(3, "three"));
    }
  });
  const room = new RoomConnection({ roomId: 7, baseUrl: server.baseUrl, createWebSocket: nodeSocket, random: () => 0, inboxAckDelayMs: 50 });
  const seen: InboxMessage[] = [];
  const ackedBeforeHandler: number[] = [];
  room.on("inbox", (message) => {
    ackedBeforeHandler.push(received[0]!.length + received[1]!.length);
    seen.push(message);
  });
  room.connect();
  await until(() => received[1]!.includes(3), "the ack of seq 3");
  assert.deepEqual(seen.map((m) => [m.seq, m.kind, m.content]), [[1, "system", "one"], [2, "moderation", "two"], [3, "system", "three"]]);
  assert.equal(seen[1]!.durationSeconds, 600);
  assert.deepEqual(ackedBeforeHandler, [0, 0, 1]);
  assert.deepEqual(received[0], [2]);
  assert.deepEqual(received[1], [3]);
  assert.equal(room.unreadCount, 3);
  room.clearUnread();
  assert.equal(room.unreadCount, 0);
  room.close();
  await server.close();
});
