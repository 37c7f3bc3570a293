import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { WebSocket, WebSocketServer, type RawData } from "ws";
import {
  createPlatformClients, encodeDanmaku, encodeJsonDanmaku, formatTraceparent, FrameType, newTraceContext, parseTraceparent, RoomConnection, type WebSocketLike,
} from "../../src/index.js";
import { control } from "../support/server-frames.js";

interface ClientFixture {
  name: string;
  content: string;
  color: string;
  traceparent?: string;
  base64: string;
  json: string;
}

// Written by tests/Protocol.Unit.Tests/SdkFixtureTests.cs, which also checks that the Edge reads them with their context.
const clientFrames: ClientFixture[] = JSON.parse(readFileSync(new URL("../../../test/fixtures/frames.json", import.meta.url), "utf8")).clientFrames;

const FLAGS_OFFSET = 4;
const TRACED = 0x04;

test("a danmaku the SDK encodes, traced or not, is byte for byte the frame the C# codec makes", () => {
  assert.equal(clientFrames.length, 2);
  for (const fixture of clientFrames) {
    const trace = fixture.traceparent === undefined ? undefined : parseTraceparent(fixture.traceparent);
    assert.equal(Buffer.from(encodeDanmaku(fixture.content, fixture.color, trace)).toString("base64"), fixture.base64, fixture.name);
    assert.deepEqual(JSON.parse(encodeJsonDanmaku(fixture.content, fixture.color, trace)), JSON.parse(fixture.json), fixture.name);
  }
});

test("traceparent values are read and written as W3C defines them; malformed ones are refused with the reason", () => {
  const value = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  const context = parseTraceparent(value);
  assert.deepEqual(context, { traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7", sampled: true });
  assert.equal(formatTraceparent(context), value);
  assert.equal(parseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00").sampled, false);
  assert.throws(() => parseTraceparent("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"), /lowercase/);
  assert.throws(() => parseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7"), RangeError);
  assert.throws(() => parseTraceparent("00-00000000000000000000000000000000-00f067aa0ba902b7-01"), /trace id of all zeros/);
  assert.throws(() => parseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"), /span id of all zeros/);
  assert.throws(() => encodeDanmaku("hi", "#ffffff", { traceId: "xyz", spanId: "00f067aa0ba902b7", sampled: true }), /trace id is 32 lowercase hex digits/);
});

test("each new send context has its own span id, in the trace it is given or a new one", () => {
  const joined = newTraceContext("4bf92f3577b34da6a3ce929d0e0e4736");
  const again = newTraceContext("4bf92f3577b34da6a3ce929d0e0e4736");
  assert.equal(joined.traceId, again.traceId);
  assert.notEqual(joined.spanId, again.spanId);
  assert.match(joined.spanId, /^[0-9a-f]{16}$/);
  assert.equal(joined.sampled, true);
  const fresh = newTraceContext();
  assert.match(fresh.traceId, /^[0-9a-f]{32}$/);
  assert.notEqual(fresh.traceId, newTraceContext().traceId);
  assert.throws(() => newTraceContext("not-a-trace-id"), RangeError);
});

async function recordingServer(format: "binary" | "json") {
  const received: RawData[] = [];
  const server = new WebSocketServer({ port: 0, host: "127.0.0.1", handleProtocols: (protocols) => (protocols.has("live.v1") ? "live.v1" : false) });
  await new Promise((resolve) => server.once("listening", resolve));
  server.on("connection", (socket) => {
    socket.send(format === "json" ? JSON.stringify({ type: "resume", seq: 0 }) : control(FrameType.Resume, 0));
    socket.on("message", (data) => received.push(data));
  });
  const port = (server.address() as AddressInfo).port;
  return { baseUrl: `http://127.0.0.1:${port}`, received, close: () => new Promise((resolve) => server.close(resolve)) };
}

async function until(condition: () => boolean, what: string, ms = 5000) {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const nodeSocket = (url: string, protocols: string[]) => new WebSocket(url, protocols) as unknown as WebSocketLike;
const bytes = (data: RawData) => new Uint8Array(data as Buffer);

test("with tracing on, the sampled sends carry a context in the page's trace and the others none", async () => {
  const server = await recordingServer("binary");
  const traced: string[] = [];
  const draws = [0.1, 0.7, 0.2];
  const room = new RoomConnection({
    roomId: 7, baseUrl: server.baseUrl, createWebSocket: nodeSocket, random: () => draws.shift() ?? 0.9,
    tracing: { sampleRatio: 0.5, traceId: () => "4bf92f3577b34da6a3ce929d0e0e4736", onTraced: (traceparent, content) => traced.push(`${content} ${traceparent}`) },
  });
  room.connect();
  await until(() => room.state === "live", "live");
  for (const content of ["one", "two", "three"]) {
    assert.equal(room.send(content), true);
  }
  await until(() => server.received.length === 3, "three frames");
  const flags = server.received.map((data) => bytes(data)[FLAGS_OFFSET]);
  assert.deepEqual(flags, [TRACED, 0, TRACED]);
  assert.equal(traced.length, 2);
  for (const [index, line] of traced.entries()) {
    const [content, traceparent] = line.split(" ");
    const context = parseTraceparent(traceparent!);
    assert.equal(content, index === 0 ? "one" : "three");
    assert.equal(context.traceId, "4bf92f3577b34da6a3ce929d0e0e4736");
    const frame = bytes(server.received[index === 0 ? 0 : 2]!);
    assert.deepEqual(frame, encodeDanmaku(content!, "#ffffff", context), "the frame carries the context onTraced was told");
  }
  room.close();
  await server.close();
});

test("an explicit context is sent in the JSON form as its traceparent; a bad ratio or context is refused", async () => {
  assert.throws(() => new RoomConnection({ roomId: 7, tracing: { sampleRatio: 1.5 } }), /sampleRatio is a share from 0 to 1/);
  const server = await recordingServer("json");
  const room = new RoomConnection({ roomId: 7, baseUrl: server.baseUrl, createWebSocket: nodeSocket, format: "json" });
  room.connect();
  await until(() => room.state === "live", "live");
  const context = newTraceContext();
  assert.equal(room.send("hello", "#ff0000", context), true);
  assert.equal(room.send("plain"), true);
  assert.throws(() => room.send("bad", "#ffffff", { traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "0000000000000000", sampled: true }), /span id of all zeros/);
  await until(() => server.received.length === 2, "two frames");
  assert.deepEqual(JSON.parse(server.received[0]!.toString()), { type: "danmaku", content: "hello", color: "#ff0000", traceparent: formatTraceparent(context) });
  assert.deepEqual(JSON.parse(server.received[1]!.toString()), { type: "danmaku", content: "plain", color: "#ffffff" });
  room.close();
  await server.close();
});

test("gRPC-Web calls of a traced transport carry a traceparent header; one the caller set is kept", async () => {
  const sent: Headers[] = [];
  const traced: string[] = [];
  const clients = createPlatformClients({
    baseUrl: "http://127.0.0.1:9",
    tracing: { sampleRatio: 1, onTraced: (traceparent, what) => traced.push(`${what} ${traceparent}`) },
    fetch: async (_input, init) => {
      sent.push(new Headers(init?.headers));
      return new Response(null, { status: 503 });
    },
  });
  await assert.rejects(() => clients.rooms.listRooms({}));
  const own = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  await assert.rejects(() => clients.rooms.listRooms({}, { headers: { traceparent: own } }));
  assert.equal(sent.length, 2);
  const first = parseTraceparent(sent[0]!.get("traceparent")!);
  assert.deepEqual(traced, [`live.v1.RoomService/ListRooms ${formatTraceparent(first)}`]);
  assert.equal(sent[1]!.get("traceparent"), own);
  assert.throws(() => createPlatformClients({ baseUrl: "http://127.0.0.1:9", tracing: { sampleRatio: -1 } }), RangeError);
});
