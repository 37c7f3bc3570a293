// One hot room through the Proxy: VIEWERS WebSocket viewers, SENDERS signed-in senders at RATE messages/s in
// total, DURATION seconds. Viewers read the JSON text form (docs/protocol.md) and measure each danmaku from
// the moment its sender wrote it (the sender's clock is the viewer's: one machine) to the moment it arrived.
//
//   k6 run --insecure-skip-tls-verify -e VIEWERS=500 -e RATE=2000 -e DURATION=60 perf/k6/room-fanout.ts
//
// Needs k6 ≥ 1.0 (TypeScript and k6/websockets built in). See perf/k6/README.md for the Proxy's rate limits.
import grpc from "k6/net/grpc";
import { check } from "k6";
import { Counter, Trend } from "k6/metrics";
import { setInterval, clearInterval, setTimeout } from "k6/timers";
import { WebSocket, type MessageEvent } from "k6/websockets";
import { Door, intEnv, openLiveRoom, runTag, wsBase } from "./lib/platform.ts";

const viewers = intEnv("VIEWERS", 100);
const rate = intEnv("RATE", 100);
// Moderation allows an account 10 messages/s in a room (docs/moderation.md); 5 each stays clear of it.
const senders = Math.max(1, intEnv("SENDERS", Math.ceil(rate / 5)));
const durationSeconds = intEnv("DURATION", 30);
const contentBytes = Math.min(100, Math.max(24, intEnv("CONTENT_BYTES", 32)));
/** Signed-in viewers (one account per viewer) instead of guests. */
const signedInViewers = __ENV.SIGNED_IN_VIEWERS === "1";

const client = new grpc.Client();
client.load(["../../protos"], "live/v1/user.proto", "live/v1/room.proto");

const deliveryMs = new Trend("live_delivery_ms", true);
const delivered = new Counter("live_delivered");
const sent = new Counter("live_sent");
const sampledOut = new Counter("live_sampled_out");
const gaps = new Counter("live_gap_messages");
const notRecovered = new Counter("live_not_recovered");
const errorFrames = new Counter("live_error_frames");

export const options = {
  scenarios: {
    viewers: { executor: "constant-vus", exec: "viewer", vus: viewers, duration: `${durationSeconds + 10}s` },
    // Senders start once the viewers are in, so every viewer sees the whole run.
    senders: { executor: "constant-vus", exec: "sender", vus: senders, duration: `${durationSeconds}s`, startTime: "5s" },
  },
  thresholds: {
    live_delivery_ms: ["p(99)<100"],
    live_gap_messages: ["count==0"],
    live_error_frames: ["count==0"],
    checks: ["rate>0.99"],
  },
};

interface Setup { roomId: number }

export function setup(): Setup {
  const door = new Door(client);
  const anchor = door.signIn(`${runTag}-anchor`, true);
  return { roomId: openLiveRoom(door, anchor, `k6 fan-out ${new Date().toISOString()}`) };
}

interface Frame {
  type: string;
  seq?: number;
  firstSeq?: number;
  lastSeq?: number;
  sampledOut?: number;
  content?: string;
  reason?: string;
  messages?: Frame[];
}

/** Content carries the send time: "k6 <unix ms> <padding>". */
function sentAt(content: string | undefined): number | undefined {
  const match = content === undefined ? null : /^k6 (\d+) /.exec(content);
  return match ? Number(match[1]) : undefined;
}

export function viewer(data: Setup): void {
  const headers: Record<string, string> = {};
  if (signedInViewers) {
    headers.authorization = `Bearer ${new Door(client).signIn(`${runTag}-v${__VU}`)}`;
  }
  const socket = new WebSocket(`${wsBase}/ws?room=${data.roomId}&format=json`, null, { headers });
  let lastSeq = -1;
  const onMessage = (message: Frame, now: number) => {
    const at = sentAt(message.content);
    if (message.type === "danmaku" && at !== undefined) {
      deliveryMs.add(now - at);
      delivered.add(1);
    }
  };
  socket.addEventListener("open", () => {
    setTimeout(() => socket.close(), (durationSeconds + 8) * 1000);
  });
  socket.addEventListener("message", (event) => {
    const now = Date.now();
    const frame = JSON.parse(String((event as MessageEvent).data)) as Frame;
    switch (frame.type) {
      case "batch":
        // A batch covers firstSeq..lastSeq; sampled-out messages of a hot room are counted, not gaps.
        if (lastSeq >= 0 && frame.firstSeq! > lastSeq + 1) {
          gaps.add(frame.firstSeq! - lastSeq - 1);
        }
        lastSeq = Math.max(lastSeq, frame.lastSeq!);
        sampledOut.add(frame.sampledOut ?? 0);
        for (const message of frame.messages ?? []) {
          onMessage(message, now);
        }
        break;
      case "resume":
        lastSeq = frame.seq!;
        break;
      case "not_recovered":
        notRecovered.add(1);
        lastSeq = frame.seq!;
        break;
      case "error":
        errorFrames.add(1, { reason: frame.reason ?? "unknown" });
        break;
      default:
        if (frame.seq !== undefined && frame.type === "danmaku") {
          lastSeq = Math.max(lastSeq, frame.seq);
          onMessage(frame, now);
        }
    }
  });
  socket.addEventListener("error", (event) => {
    check(event, { "viewer socket has no error": () => false });
  });
}

export function sender(data: Setup): void {
  const token = new Door(client).signIn(`${runTag}-s${__VU}`);
  const socket = new WebSocket(`${wsBase}/ws?room=${data.roomId}&format=json`, null, {
    headers: { authorization: `Bearer ${token}` },
  });
  const everyMs = Math.max(1, Math.round((1000 * senders) / Math.max(1, rate)));
  socket.addEventListener("open", () => {
    const timer = setInterval(() => {
      const head = `k6 ${Date.now()} `;
      socket.send(JSON.stringify({ type: "danmaku", content: head + "x".repeat(Math.max(1, contentBytes - head.length)) }));
      sent.add(1);
    }, everyMs);
    setTimeout(() => {
      clearInterval(timer);
      socket.close();
    }, durationSeconds * 1000);
  });
  socket.addEventListener("message", (event) => {
    const frame = JSON.parse(String((event as MessageEvent).data)) as Frame;
    if (frame.type === "error") {
      errorFrames.add(1, { reason: frame.reason ?? "unknown" });
    }
  });
}
