import type { AddressInfo } from "node:net";
import { WebSocket, WebSocketServer } from "ws";
import type { NotRecovered, RoomConnection, RoomMessage, ServerError, StateChange, WebSocketLike } from "../../src/index.js";

/**
 * A scripted server stands in for the Edge where the test needs bytes no real server sends (garbage, overlapping
 * replays, a sequence that went back); real-server behaviour is in test/platform.
 */
export interface Script {
  (socket: WebSocket, url: URL, connection: number): void;
}

export async function scriptedServer(script: Script) {
  const server = new WebSocketServer({ port: 0, host: "127.0.0.1", handleProtocols: (protocols) => (protocols.has("live.v1") ? "live.v1" : false) });
  await new Promise((resolve) => server.once("listening", resolve));
  const urls: URL[] = [];
  server.on("connection", (socket, request) => {
    const url = new URL(request.url ?? "/", "http://x");
    urls.push(url);
    script(socket, url, urls.length);
  });
  const port = (server.address() as AddressInfo).port;
  return { baseUrl: `http://127.0.0.1:${port}`, urls, close: () => new Promise((resolve) => server.close(resolve)) };
}

export function record(connection: RoomConnection) {
  const seen = { messages: [] as RoomMessage[], states: [] as StateChange[], errors: [] as ServerError[], lost: [] as NotRecovered[], protocol: [] as string[] };
  connection.on("message", (m) => seen.messages.push(m));
  connection.on("state", (s) => seen.states.push(s));
  connection.on("error", (e) => seen.errors.push(e));
  connection.on("notRecovered", (n) => seen.lost.push(n));
  connection.on("protocolError", (p) => seen.protocol.push(p.reason));
  return seen;
}

export async function until(condition: () => boolean, what: string, ms = 5000) {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export const nodeSocket = (url: string, protocols: string[]) => new WebSocket(url, protocols) as unknown as WebSocketLike;

