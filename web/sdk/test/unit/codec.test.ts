import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { decodeBinaryFrame, decodeJsonFrame, encodeDanmaku, encodeHeartbeat, FrameType } from "../../src/index.js";

interface Fixture {
  name: string;
  base64: string;
  json?: string;
  compressed?: boolean;
  expected: unknown;
}

// Written by tests/Protocol.Unit.Tests/SdkFixtureTests.cs from the C# codec (src/Protocol).
const fixtures: Fixture[] = JSON.parse(readFileSync(new URL("../../../test/fixtures/frames.json", import.meta.url), "utf8")).frames;
const bytesOf = (fixture: Fixture) => new Uint8Array(Buffer.from(fixture.base64, "base64"));

test("every frame made by the C# codec decodes to what it carries", () => {
  assert.ok(fixtures.length >= 14);
  for (const fixture of fixtures) {
    const result = decodeBinaryFrame(bytesOf(fixture));
    assert.ok(result.ok, `${fixture.name}: ${result.ok ? "" : result.reason}`);
    assert.deepEqual(result.frame, fixture.expected, fixture.name);
  }
});

test("resume and not-recovered frames carry their epoch exactly (Redis TIME in µs, above 2^50)", () => {
  const change = fixtures.find((f) => f.name === "notRecovered-epoch-change")!;
  for (const result of [decodeBinaryFrame(bytesOf(change)), decodeJsonFrame(change.json!)]) {
    assert.ok(result.ok && result.frame.type === "notRecovered");
    assert.equal(result.frame.epoch, 1_763_840_000_398_112);
    assert.equal(result.frame.seq, 43);
  }
  // A server older than epochs sends JSON resume frames without one: the stream has none (0).
  assert.deepEqual(decodeJsonFrame('{"type":"resume","seq":5,"ts":1,"roomId":7}'), { ok: true, frame: { type: "resume", seq: 5, epoch: 0 } });
});

test("the zstd batch inflates to the same messages as a plain one would carry", () => {
  const zstd = fixtures.find((f) => f.compressed)!;
  const result = decodeBinaryFrame(bytesOf(zstd));
  assert.ok(result.ok && result.frame.type === "batch");
  assert.equal(result.frame.messages.length, 120);
  assert.ok(bytesOf(zstd).length < 120 * 40, "compressed well below the plain size");
});

test("the JSON text form of each frame decodes to the same frame as its binary form", () => {
  const withJson = fixtures.filter((f) => f.json !== undefined);
  assert.ok(withJson.length >= 10);
  for (const fixture of withJson) {
    const result = decodeJsonFrame(fixture.json!);
    assert.ok(result.ok, `${fixture.name}: ${result.ok ? "" : result.reason}`);
    assert.deepEqual(result.frame, fixture.expected, fixture.name);
  }
});

test("a danmaku the SDK encodes is a valid client frame with the text and colour", () => {
  const frame = encodeDanmaku("héllo 👋", "#ff0000");
  const result = decodeBinaryFrame(frame);
  assert.ok(result.ok && result.frame.type === "message");
  assert.equal(result.frame.message.kind, "danmaku");
  assert.equal(result.frame.message.content, "héllo 👋");
  assert.equal(result.frame.message.color, "#ff0000");
  assert.equal(result.frame.message.seq, 0);
  const heartbeat = decodeBinaryFrame(encodeHeartbeat());
  assert.ok(heartbeat.ok);
  assert.equal(heartbeat.frame.type, "heartbeat");
});

test("every truncation of every frame is reported, never thrown", () => {
  for (const fixture of fixtures) {
    const bytes = bytesOf(fixture);
    for (let length = 0; length < bytes.length; length++) {
      const result = decodeBinaryFrame(bytes.subarray(0, length));
      assert.equal(result.ok, false, `${fixture.name} cut to ${length} bytes decoded`);
    }
  }
});

test("flipped bytes never throw, and header damage is named", () => {
  let random = 7;
  const next = () => (random = (random * 1103515245 + 12345) % 2147483648);
  for (const fixture of fixtures) {
    for (let i = 0; i < 200; i++) {
      const bytes = bytesOf(fixture).slice();
      bytes[next() % bytes.length] = next() % 256;
      assert.doesNotThrow(() => decodeBinaryFrame(bytes));
    }
  }
  const danmaku = bytesOf(fixtures.find((f) => f.name === "danmaku")!);
  const damaged = (at: number, value: number) => {
    const copy = danmaku.slice();
    copy[at] = value;
    const result = decodeBinaryFrame(copy);
    assert.equal(result.ok, false);
    return result.ok ? "" : result.reason;
  };
  assert.match(damaged(0, 0x00), /magic/);
  assert.match(damaged(2, 9), /version/);
  assert.match(damaged(3, 0x00), /unknown frame type/);
  assert.match(damaged(4, 0x01), /flags/);
});

test("frame types newer than the SDK decode as unknown (to be ignored), in both forms", () => {
  const danmaku = bytesOf(fixtures.find((f) => f.name === "danmaku")!);
  const future = danmaku.slice();
  future[3] = 0x7f;
  assert.deepEqual(decodeBinaryFrame(future), { ok: true, frame: { type: "unknown", frameType: "127" } });
  assert.deepEqual(decodeJsonFrame('{"type":"hologram","ts":1}'), { ok: true, frame: { type: "unknown", frameType: "hologram" } });
  assert.equal(decodeJsonFrame('{"ts":1}').ok, false);
});

test("invalid UTF-8, lying lengths, trailing bytes and wrong counts are refused", () => {
  const danmaku = bytesOf(fixtures.find((f) => f.name === "danmaku")!);
  const badText = danmaku.slice();
  badText[37 + 2 + 3 + 2] = 0xff; // first byte of the content
  assert.match(reason(badText), /UTF-8/);

  const longName = danmaku.slice();
  longName[37] = 0xff;
  assert.match(reason(longName), /length/);

  const trailing = new Uint8Array(danmaku.length + 1);
  trailing.set(danmaku);
  assert.match(reason(trailing), /follow/);

  const plain = bytesOf(fixtures.find((f) => f.name === "batch-plain")!).slice();
  new DataView(plain.buffer).setUint16(37 + 8, 9);
  assert.match(reason(plain), /declares 9 messages/);
});

test("a corrupt or oversized zstd payload is refused without inflating it", () => {
  const zstd = bytesOf(fixtures.find((f) => f.compressed)!);
  const corrupt = zstd.slice();
  for (let i = 57 + 12; i < corrupt.length; i += 7) {
    corrupt[i] = corrupt[i]! ^ 0x5a;
  }
  assert.equal(decodeBinaryFrame(corrupt).ok, false);

  // A batch claiming a raw length other than what its zstd frame states (a zstd bomb, or a lie) is refused.
  const lying = zstd.slice();
  const view = new DataView(lying.buffer);
  view.setUint32(37 + 12, view.getUint32(37 + 12) - 1);
  assert.match(reason(lying), /size differs|cannot be decompressed/);

  const huge = zstd.slice();
  new DataView(huge.buffer).setUint32(37 + 12, 5 * 1024 * 1024);
  assert.match(reason(huge), /larger than allowed/);

  const notZstd = zstd.slice();
  notZstd[57] = 0;
  assert.match(reason(notZstd), /not a zstd frame/);
});

test("malformed JSON frames are reported, never thrown", () => {
  for (const text of ["", "{", "[]", "null", "42", '{"type":"batch"}', '{"type":"danmaku"}', '{"type":"danmaku","seq":"1"}',
    '{"type":"error"}', '{"type":"resume"}', '{"type":"online_count"}', '{"type":"danmaku","seq":1,"content":7}',
    '{"type":"batch","firstSeq":1,"lastSeq":1,"messages":[{"type":"error","seq":1}]}', '{"type":7}', '{"type":"room_pass","expiresAt":1}', '{"type":"danmaku","seq":1e400}',
    '{"type":"resume","seq":1,"epoch":-1}', '{"type":"not_recovered","seq":1,"epoch":"1763840000398112"}', '{"type":"resume","seq":1,"epoch":1e16}']) {
    const result = decodeJsonFrame(text);
    assert.equal(result.ok, false, text);
  }
});

test("frame types keep their wire values", () => {
  assert.deepEqual(
    [FrameType.Danmaku, FrameType.Heartbeat, FrameType.Gift, FrameType.System, FrameType.Error, FrameType.Batch, FrameType.Resume, FrameType.Delete, FrameType.NotRecovered, FrameType.OnlineCount, FrameType.RoomPass],
    [1, 2, 3, 4, 7, 8, 9, 10, 11, 12, 13]);
});

function reason(bytes: Uint8Array): string {
  const result = decodeBinaryFrame(bytes);
  assert.equal(result.ok, false);
  return result.ok ? "" : result.reason;
}
