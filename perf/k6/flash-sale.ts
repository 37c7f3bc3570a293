// A flash sale in a live room through the Proxy: BUYERS viewers join the room (each gets its room pass from the
// Edge), the sale opens, everyone presses "buy" at once; a reads scenario meanwhile calls the room and sale APIs
// at READ_RATE requests/s. The thresholds are the sale's promises: never more orders than STOCK, every retry with
// the same key answers the same order, and the losers are told "sold out" (RESOURCE_EXHAUSTED), nothing else.
//
//   k6 run --insecure-skip-tls-verify -e BUYERS=2000 -e STOCK=100 -e READ_RATE=500 perf/k6/flash-sale.ts
import grpc from "k6/net/grpc";
import { check, sleep } from "k6";
import { Counter, Trend } from "k6/metrics";
import { setTimeout } from "k6/timers";
import { WebSocket, type MessageEvent } from "k6/websockets";
import { Door, intEnv, openLiveRoom, runTag, statusName, wsBase } from "./lib/platform.ts";

const buyers = Math.max(1, intEnv("BUYERS", 200));
const stock = Math.max(1, intEnv("STOCK", 20));
const readRate = intEnv("READ_RATE", 100);
/** Seconds from setup to the sale's start: time for every buyer to sign in and get a room pass. */
const leadSeconds = Math.max(5, intEnv("LEAD", 20));

const client = new grpc.Client();
client.load(["../../protos"], "live/v1/user.proto", "live/v1/room.proto", "live/v1/commerce.proto");

const won = new Counter("live_orders_won");
const soldOut = new Counter("live_sold_out");
const refused = new Counter("live_purchase_refused");
const replayMismatch = new Counter("live_replay_mismatch");
const purchaseMs = new Trend("live_purchase_ms", true);
const readMs = new Trend("live_read_ms", true);

export const options = {
  scenarios: {
    buyers: { executor: "per-vu-iterations", exec: "buyer", vus: buyers, iterations: 1, maxDuration: `${leadSeconds + 60}s` },
    reads: {
      executor: "constant-arrival-rate", exec: "reader", rate: Math.max(1, readRate), timeUnit: "1s",
      duration: `${leadSeconds + 20}s`, preAllocatedVUs: 20, maxVUs: 200,
    },
  },
  thresholds: {
    // Zero oversell: a won order beyond the stock fails the run.
    live_orders_won: [`count<=${stock}`],
    live_replay_mismatch: ["count==0"],
    live_purchase_refused: ["count==0"],
    live_purchase_ms: ["p(99)<100"],
    live_read_ms: ["p(99)<50"],
  },
};

interface Setup { roomId: number; saleId: string; startsAtMs: number }

export function setup(): Setup {
  const door = new Door(client);
  const anchor = door.signIn(`${runTag}-seller`, true);
  const roomId = openLiveRoom(door, anchor, `k6 flash sale ${new Date().toISOString()}`);
  const product = door.require<{ product: { id: string } }>("live.v1.CommerceService/CreateProduct",
    { name: "k6 limited edition", price: 1 }, anchor);
  const startsAtMs = Date.now() + leadSeconds * 1000;
  const sale = door.require<{ sale: { id: string } }>("live.v1.CommerceService/ScheduleSale", {
    roomId, productId: product.product.id, stock, perUserLimit: 1,
    startsAt: new Date(startsAtMs).toISOString(), endsAt: new Date(startsAtMs + 600_000).toISOString(),
  }, anchor);
  return { roomId, saleId: sale.sale.id, startsAtMs };
}

/** Joins the room over /ws and waits for the Edge's room pass: only viewers of the room may buy. */
function roomPass(roomId: number, token: string, then: (pass: string) => void): void {
  const socket = new WebSocket(`${wsBase}/ws?room=${roomId}&format=json`, null, { headers: { authorization: `Bearer ${token}` } });
  let done = false;
  socket.addEventListener("message", (event) => {
    const frame = JSON.parse(String((event as MessageEvent).data)) as { type: string; pass?: string };
    if (frame.type === "room_pass" && frame.pass && !done) {
      done = true;
      then(frame.pass);
      socket.close();
    }
  });
  setTimeout(() => {
    if (!done) {
      check(null, { "got a room pass within 15 s": () => false });
      socket.close();
    }
  }, 15_000);
}

export function buyer(data: Setup): void {
  const door = new Door(client);
  const token = door.signIn(`${runTag}-b${__VU}`);
  roomPass(data.roomId, token, (pass) => {
    setTimeout(() => {
      const request = { saleId: data.saleId, quantity: 1, idempotencyKey: `${runTag}-${data.saleId}-${__VU}`, roomPass: pass };
      const started = Date.now();
      const first = door.call<{ orderId: string }>("live.v1.CommerceService/Purchase", request, token);
      purchaseMs.add(Date.now() - started);
      if (first.status === grpc.StatusOK) {
        won.add(1);
        // The same key again: the same order, marked as a replay.
        const again = door.call<{ orderId: string; replayed: boolean }>("live.v1.CommerceService/Purchase", request, token);
        if (again.status !== grpc.StatusOK || again.message.orderId !== first.message.orderId || !again.message.replayed) {
          replayMismatch.add(1);
        }
      } else if (first.status === grpc.StatusResourceExhausted) {
        soldOut.add(1);
      } else {
        refused.add(1, { status: statusName[first.status] ?? String(first.status) });
      }
    }, Math.max(0, data.startsAtMs - Date.now()));
  });
}

export function reader(data: Setup): void {
  const door = new Door(client);
  const started = Date.now();
  const answers = [
    door.call("live.v1.RoomService/GetRoom", { roomId: data.roomId }),
    door.call("live.v1.CommerceService/GetSale", { saleId: data.saleId }),
    door.call("live.v1.CommerceService/ListRoomSales", { roomId: data.roomId }),
  ];
  readMs.add((Date.now() - started) / answers.length);
  check(answers, { "reads answer OK": (all) => all.every((a) => a.status === grpc.StatusOK) });
  sleep(0);
}
