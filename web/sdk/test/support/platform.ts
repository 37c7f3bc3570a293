import { randomBytes } from "node:crypto";
import { WebSocket } from "ws";
import type { WebSocketLike } from "../../src/index.js";

/** The Proxy that test/run-with-platform.mjs started (its certificate is trusted through NODE_EXTRA_CA_CERTS). */
export const proxy = process.env["LIVE_SDK_PROXY"] ?? "";
if (!proxy) {
  throw new Error("LIVE_SDK_PROXY is not set: run these tests with npm test (test/run-with-platform.mjs).");
}

export const newUsername = (prefix = "sdk") => prefix + randomBytes(5).toString("hex");

/** A browser's view of sockets: node's ws with the page's Origin; every socket made is kept for the test to cut. */
export function browserSockets() {
  const made: WebSocket[] = [];
  const create = (url: string, protocols: string[]) => {
    const socket = new WebSocket(url, protocols, { origin: proxy });
    made.push(socket);
    return socket as unknown as WebSocketLike;
  };
  return { create, made, latest: () => made[made.length - 1]! };
}

/** fetch with a cookie jar, as a browser keeps cookies for an origin (path-scoped, HttpOnly included). */
export function cookieJarFetch() {
  const jar = new Map<string, { value: string; path: string }>();
  const jarFetch: typeof fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    const cookies = [...jar.entries()].filter(([, c]) => url.pathname.startsWith(c.path)).map(([name, c]) => `${name}=${c.value}`);
    if (cookies.length > 0) {
      headers.set("cookie", cookies.join("; "));
    }
    const response = await fetch(input, { ...init, headers });
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(";").map((part) => part.trim());
      const [name, value] = [pair!.slice(0, pair!.indexOf("=")), pair!.slice(pair!.indexOf("=") + 1)];
      const path = attributes.find((a) => a.toLowerCase().startsWith("path="))?.slice(5) ?? "/";
      const expired = attributes.some((a) => /^max-age=0$/i.test(a) || (/^expires=/i.test(a) && Date.parse(a.slice(8)) < Date.now()));
      if (expired || value === "") {
        jar.delete(name);
      } else {
        jar.set(name, { value, path });
      }
      jarCookies.push(line);
    }
    return response;
  };
  const jarCookies: string[] = [];
  return { fetch: jarFetch, jar, setCookieLines: jarCookies };
}

export async function until(condition: () => boolean, what: string, ms = 15_000) {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
