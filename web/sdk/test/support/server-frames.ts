import { BATCH_HEADER_SIZE, FrameType, HEADER_SIZE, MAGIC, VERSION } from "../../src/room/frames.js";

/** Frames as the server writes them, for scripted test servers. */
const utf8 = new TextEncoder();

export function messageFrame(type: number, seq: number, fields: { userId?: number; userName?: string; content?: string; color?: string; roomId?: number } = {}): Uint8Array {
  const name = utf8.encode(fields.userName ?? "");
  const content = utf8.encode(fields.content ?? "");
  const color = utf8.encode(fields.color ?? "");
  const frame = new Uint8Array(HEADER_SIZE + 6 + name.length + content.length + color.length);
  const view = new DataView(frame.buffer);
  view.setUint16(0, MAGIC);
  view.setUint8(2, VERSION);
  view.setUint8(3, type);
  view.setBigInt64(5, 1_763_840_000_000n + BigInt(seq));
  view.setBigInt64(13, BigInt(fields.userId ?? 0));
  view.setBigInt64(21, BigInt(fields.roomId ?? 7));
  view.setBigInt64(29, BigInt(seq));
  let offset = HEADER_SIZE;
  for (const field of [name, content, color]) {
    view.setUint16(offset, field.length);
    frame.set(field, offset + 2);
    offset += 2 + field.length;
  }
  return frame;
}

export const danmaku = (seq: number) => messageFrame(FrameType.Danmaku, seq, { userId: 5, userName: "amy", content: `m${seq}`, color: "#ffffff" });

export function batchFrame(seqs: number[], sampledOut = 0): Uint8Array {
  const messages = seqs.map(danmaku);
  const payloadLength = messages.reduce((sum, m) => sum + m.length, 0);
  const frame = new Uint8Array(BATCH_HEADER_SIZE + payloadLength);
  const view = new DataView(frame.buffer);
  view.setUint16(0, MAGIC);
  view.setUint8(2, VERSION);
  view.setUint8(3, FrameType.Batch);
  view.setUint8(4, 0x02);
  view.setBigInt64(21, 7n);
  view.setBigInt64(29, BigInt(seqs[seqs.length - 1]!));
  view.setBigInt64(HEADER_SIZE, BigInt(seqs[0]!));
  view.setUint16(HEADER_SIZE + 8, seqs.length);
  view.setUint16(HEADER_SIZE + 10, sampledOut);
  view.setUint32(HEADER_SIZE + 12, payloadLength);
  view.setUint32(HEADER_SIZE + 16, payloadLength);
  let offset = BATCH_HEADER_SIZE;
  for (const message of messages) {
    frame.set(message, offset);
    offset += message.length;
  }
  return frame;
}

/** A control frame; resume and not-recovered frames carry their epoch in the user id slot. */
export const control = (type: number, value: number, content = "", epoch = 0) => messageFrame(type, value, { content, userId: epoch });

/** The JSON text form of a control frame (format=json). */
export const jsonControl = (type: "resume" | "not_recovered", seq: number, epoch: number, content = "") =>
  JSON.stringify({ type, seq, ts: 1_763_840_000_000, roomId: 7, epoch, ...(content ? { content } : {}) });

/** The JSON text form of a batch of danmaku, as batchFrame makes them. */
export const jsonBatch = (seqs: number[]) => JSON.stringify({
  type: "batch", roomId: 7, firstSeq: seqs[0], lastSeq: seqs[seqs.length - 1], sampledOut: 0,
  messages: seqs.map((seq) => ({ type: "danmaku", seq, ts: 1_763_840_000_000 + seq, roomId: 7, userId: 5, userName: "amy", content: `m${seq}`, color: "#ffffff" })),
});

export const errorFrame = (code: number, reason: string, text: string, retryAfterMs: number) =>
  messageFrame(FrameType.Error, code, { userId: retryAfterMs, userName: reason, content: text });
