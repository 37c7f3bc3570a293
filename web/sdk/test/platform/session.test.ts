import { test } from "node:test";
import assert from "node:assert/strict";
import { AuthSession, Code, ConnectError, createPlatformClients, describeError, RoomStatus } from "../../src/index.js";
import { cookieJarFetch, newUsername, proxy } from "../support/platform.js";

test("register signs in; calls carry the token and act as the caller through gRPC-Web", async () => {
  const session = new AuthSession({ baseUrl: proxy, refreshTokenStorage: "memory" });
  const user = await session.register({ username: newUsername(), password: "sdk-test-password", displayName: "Amy <b>", asAnchor: true });
  assert.equal(session.signedIn, true);
  assert.equal(user.displayName, "Amy <b>");

  const api = createPlatformClients({ baseUrl: proxy, auth: session });
  const room = await api.rooms.createRoom({ title: "from the SDK", category: "chat" });
  assert.equal(room.anchorUserId, user.userId);
  const live = await api.rooms.startLive({ roomId: room.id });
  assert.equal(live.status, RoomStatus.LIVE);
  assert.equal((await api.users.getProfile({})).userId, user.userId);
});

test("a refused call names its code and the Proxy's reason", async () => {
  const api = createPlatformClients({ baseUrl: proxy });
  // A call only a signed-in user may make (guests read a public room's lists and details without a token).
  const error = await api.users.getProfile({}).then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof ConnectError);
  const described = describeError(error);
  assert.equal(described.code, Code.Unauthenticated);
  assert.equal(described.codeName, "Unauthenticated");
  assert.match(described.message, /access token/i);
});

test("the access token is refreshed before it expires, with the rotating refresh token", async () => {
  let skew = 0;
  const session = new AuthSession({ baseUrl: proxy, refreshTokenStorage: "memory", now: () => Date.now() + skew });
  const username = newUsername();
  await session.register({ username, password: "sdk-test-password" });
  const changes: string[] = [];
  session.onChange((state) => changes.push(state.status));
  const first = await session.accessToken();
  const api = createPlatformClients({ baseUrl: proxy, auth: session });

  // Four and a half of the token's five minutes later, the next call refreshes first.
  skew = 4.5 * 60_000;
  const profile = await api.users.getProfile({});
  const second = await session.accessToken();
  assert.notEqual(second, first);
  assert.equal(profile.username, username);
  assert.deepEqual(changes, ["signedIn"]);

  // Two refreshes at once share one round trip: a refresh token presented twice would revoke the sign-in.
  skew = 9 * 60_000;
  const [a, b] = await Promise.all([session.refreshNow(), session.refreshNow()]);
  assert.equal(a && b, true);
  await api.users.getProfile({});

  await session.logout();
  assert.equal(session.signedIn, false);
  assert.equal(await session.refreshNow(), false);
  assert.deepEqual(changes, ["signedIn", "signedIn", "signedOut"]);
});

test("in a browser the refresh token stays in the Proxy's HttpOnly cookie, and a new tab signs in from it", async () => {
  const browser = cookieJarFetch();
  const tab = new AuthSession({ baseUrl: proxy, refreshTokenStorage: "cookie", fetch: browser.fetch });
  const username = newUsername();
  const user = await tab.register({ username, password: "sdk-test-password" });
  const cookie = browser.setCookieLines.find((line) => line.startsWith("__Secure-live_refresh="));
  assert.ok(cookie, "the Proxy set the refresh cookie");
  assert.match(cookie, /httponly/i);
  assert.match(cookie, /secure/i);
  assert.match(cookie, /samesite=strict/i);
  assert.match(cookie, /path=\/live\.v1\.UserService\//i);

  // What a page script could see of a login: no refresh token.
  const raw = createPlatformClients({ baseUrl: proxy, fetch: browser.fetch, interceptors: [(next) => (r) => { r.header.set("x-refresh-cookie", "1"); return next(r); }] });
  assert.equal((await raw.users.login({ username, password: "sdk-test-password" })).refreshToken, "");

  const reloaded = new AuthSession({ baseUrl: proxy, refreshTokenStorage: "cookie", fetch: browser.fetch });
  assert.equal(await reloaded.restore(), true);
  assert.equal(reloaded.user?.userId, user.userId);
  const api = createPlatformClients({ baseUrl: proxy, auth: reloaded });
  assert.equal((await api.users.getProfile({})).userId, user.userId);

  await reloaded.logout();
  assert.equal(browser.jar.size, 0, "logout cleared the cookie");
  const afterLogout = new AuthSession({ baseUrl: proxy, refreshTokenStorage: "cookie", fetch: browser.fetch });
  assert.equal(await afterLogout.restore(), false);
  assert.equal(afterLogout.signedIn, false);
});
