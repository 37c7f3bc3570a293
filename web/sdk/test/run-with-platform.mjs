// Runs the SDK's tests against real processes: UserService, RoomService, MessageService, the Edge and the
// Proxy from their builds (./platform builds them), each on free loopback ports, with MariaDB databases of
// their own, a private Redis and the shared Kafka-protocol broker. Needs what ./platform test exports:
// LIVE_TEST_MYSQL, LIVE_TEST_KAFKA, LIVE_TEST_REDIS_SERVER (and LIVE_CONFIGURATION, default Release).
import { execFile, spawn } from "node:child_process";
import { randomBytes, randomInt } from "node:crypto";
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const sdk = fileURLToPath(new URL("..", import.meta.url));
const root = join(sdk, "..", "..");
const configuration = process.env.LIVE_CONFIGURATION ?? "Release";
const work = mkdtempSync(join(tmpdir(), "live-sdk-tests-"));
const children = [];
const databases = [];

function required(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`${name} is not set: run the SDK tests through ./platform test (or export what it exports); npm run test:unit needs no servers.`);
    process.exit(2);
  }
  return value;
}

const mysql = Object.fromEntries(required("LIVE_TEST_MYSQL").split(";").filter(Boolean).map((pair) => {
  const [key, ...rest] = pair.split("=");
  return [key.trim().toLowerCase(), rest.join("=").trim()];
}));
const kafka = required("LIVE_TEST_KAFKA");
const redisServer = required("LIVE_TEST_REDIS_SERVER");

/**
 * A free port below the kernel's ephemeral range: between this check and the service binding it, an outgoing
 * connection of another process could take a port from that range (seen once in CI: UserService failed to bind).
 */
async function freePort() {
  const ephemeralLow = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = randomInt(10_000, Math.max(ephemeralLow, 10_001));
    if (await canListen(port)) {
      return port;
    }
  }

  throw new Error(`no free port between 10000 and ${ephemeralLow} (the ephemeral range starts there)`);
}

function canListen(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

function sql(statement) {
  return run("mariadb", ["--no-defaults", "-h", mysql.server ?? "127.0.0.1", "-P", mysql.port ?? "3306", "-u", mysql.user, `-p${mysql.password}`, "-e", statement]);
}

const connection = (database) => `Server=${mysql.server ?? "127.0.0.1"};Port=${mysql.port};Database=${database};User=${mysql.user};Password=${mysql.password}`;

function start(name, command, args, env, cwd) {
  const log = join(work, `${name}.log`);
  const out = openSync(log, "a");
  const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", out, out] });
  children.push({ name, child, log });
  return child;
}

function dll(project, assembly) {
  const path = join(root, "src", project, "bin", configuration, "net10.0", `${assembly}.dll`);
  if (!existsSync(path)) {
    throw new Error(`${path} is missing: build the solution first (./platform deps or ./platform test do).`);
  }
  return path;
}

async function waitReady(name, url, child) {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`${name} exited during start-up (code ${child.exitCode})`);
    }
    try {
      const response = await fetch(url);
      if (response.ok) {
        return;
      }
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  throw new Error(`${name} was not ready within 90 s (${url})`);
}

async function stopAll() {
  await Promise.all(children.map(({ child }) => new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve();
      return;
    }
    const kill = setTimeout(() => child.kill("SIGKILL"), 10_000);
    child.once("exit", () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill("SIGTERM");
  })));
}

function tail(log, lines = 25) {
  try {
    return readFileSync(log, "utf8").split("\n").slice(-lines).map((l) => `    | ${l}`).join("\n");
  } catch {
    return "";
  }
}

/** Answers PING with PONG: the Redis on this port takes commands. */
function redisAnswers(port) {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    const done = (answer) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once("error", () => done(false));
    socket.once("data", (data) => done(data.toString().startsWith("+PONG")));
    socket.write("PING\r\n");
  });
}

/**
 * The private Redis runs without persistence, so stopping it loses every key, as a restart after a crash does
 * (issue 14 item 1). Started again on the same port; resolves once it answers.
 */
async function restartRedis(redis) {
  const old = redis.child;
  if (old.exitCode === null && old.signalCode === null) {
    await new Promise((resolve) => {
      old.once("exit", resolve);
      old.kill("SIGTERM");
    });
  }
  redis.child = start("redis", redisServer, redis.args, {}, work);
  const deadline = Date.now() + 15_000;
  while (!(await redisAnswers(redis.port))) {
    if (Date.now() > deadline || redis.child.exitCode !== null) {
      throw new Error("the private Redis did not come back");
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** What tests may ask of the platform they run on: POST /redis/restart (one at a time). */
function controlServer(redis) {
  let busy = Promise.resolve();
  const server = createHttpServer((request, response) => {
    if (request.method !== "POST" || request.url !== "/redis/restart") {
      response.writeHead(404).end("POST /redis/restart is the only control");
      return;
    }
    busy = busy.then(() => restartRedis(redis)).then(
      () => response.writeHead(204).end(),
      (error) => response.writeHead(500).end(String(error)));
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

let status = 1;
let control;
try {
  const id = randomBytes(4).toString("hex");
  const names = { users: `sdk_${id}_users`, rooms: `sdk_${id}_rooms`, messages: `sdk_${id}_messages`, gifts: `sdk_${id}_gifts` };
  databases.push(...Object.values(names));

  const redisPort = await freePort();
  const redisArgs = ["--port", String(redisPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", work];
  const redis = { port: redisPort, args: redisArgs, child: start("redis", redisServer, redisArgs, {}, work) };
  control = await controlServer(redis);
  const secret = randomBytes(32).toString("hex");
  const cert = join(work, "proxy.crt");
  const key = join(work, "proxy.key");
  await run("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", key, "-out", cert]);

  const migrations = [
    ["RoomService", "Live.RoomService", { ConnectionStrings__MySql: connection(names.rooms) }],
    ["UserService", "Live.UserService", { ConnectionStrings__MySql: connection(names.users) }],
    ["MessageService", "Live.MessageService", { ConnectionStrings__MySql: connection(names.messages), ConnectionStrings__Gifts: connection(names.gifts) }],
  ];
  await Promise.all(migrations.map(([project, assembly, env]) =>
    run("dotnet", [dll(project, assembly), "--migrate"], { cwd: join(root, "src", project), env: { ...process.env, ...env } })));
  // Room ids of their own: Kafka and the Edge's keys are shared with every other suite.
  await sql(`ALTER TABLE ${names.rooms}.rooms AUTO_INCREMENT = ${randomInt(1_000, 9_000_000) * 1_000_000_000}`);

  const port = {};
  for (const name of ["roomGrpc", "roomHttp", "userGrpc", "userHttp", "messageGrpc", "messageHttp", "edgeGrpc", "edgeHttp", "proxyPublic", "proxyHttp"]) {
    port[name] = await freePort();
  }
  const common = {
    ASPNETCORE_ENVIRONMENT: "Development",
    Kafka__BootstrapServers: kafka,
    ConnectionStrings__Redis: `127.0.0.1:${redisPort}`,
    Identity__ProxySecret: secret,
  };
  const endpoints = (grpc, http) => ({
    ...(grpc ? { Kestrel__Endpoints__Grpc__Url: `http://127.0.0.1:${grpc}` } : {}),
    Kestrel__Endpoints__Http__Url: `http://127.0.0.1:${http}`,
  });
  const services = [
    ["room-service", "RoomService", "Live.RoomService", port.roomHttp, { ...endpoints(port.roomGrpc, port.roomHttp), ConnectionStrings__MySql: connection(names.rooms) }],
    ["user-service", "UserService", "Live.UserService", port.userHttp, { ...endpoints(port.userGrpc, port.userHttp), ConnectionStrings__MySql: connection(names.users) }],
    ["message-service", "MessageService", "Live.MessageService", port.messageHttp, {
      ...endpoints(port.messageGrpc, port.messageHttp),
      ConnectionStrings__MySql: connection(names.messages),
      ConnectionStrings__Gifts: connection(names.gifts),
      Services__RoomService: `http://127.0.0.1:${port.roomGrpc}`,
      // A short history, so a resume after a long absence shows the not-recovered gap.
      Messages__HistoryLength: "30",
      // The tests send faster and more alike than moderation lets a person (docs/moderation.md keeps its defaults).
      Moderation__MessagesPerSecond: "10000",
      Moderation__Burst: "10000",
      Moderation__DuplicateWindowMs: "0",
      Moderation__WordsChannel: `moderation:words:${names.messages}`,
    }],
    ["edge", "Edge", "Live.Edge", port.edgeHttp, {
      // The HTTP/2 port is where the Proxy reaches it (docs/adr/0015-proxy-to-edge-over-http2.md).
      ...endpoints(port.edgeGrpc, port.edgeHttp),
      Services__MessageService: `http://127.0.0.1:${port.messageGrpc}`,
      Services__RoomService: `http://127.0.0.1:${port.roomGrpc}`,
      Edge__MaxFramesPerSecond: "1000",
      // Room passes for signed-in connections (room.pass); the key is the run's own.
      RoomPass__Key: Buffer.from("sdk-tests-room-pass-key-0123456789abcdef").toString("base64"),
    }],
    ["proxy", "Proxy", "Live.Proxy", port.proxyHttp, {
      ...endpoints(undefined, port.proxyHttp),
      Kestrel__Endpoints__Public__Url: `https://127.0.0.1:${port.proxyPublic}`,
      Kestrel__Endpoints__Public__Certificate__Path: cert,
      Kestrel__Endpoints__Public__Certificate__KeyPath: key,
      Auth__JwksUrl: `http://127.0.0.1:${port.userHttp}/.well-known/jwks.json`,
      Limits__WebSocketOrigins__0: `https://127.0.0.1:${port.proxyPublic}`,
      Limits__WebSocketOrigins__1: `https://localhost:${port.proxyPublic}`,
      ReverseProxy__Clusters__room__Destinations__v1__Address: `http://127.0.0.1:${port.roomGrpc}`,
      ReverseProxy__Clusters__user__Destinations__v1__Address: `http://127.0.0.1:${port.userGrpc}`,
      ReverseProxy__Clusters__message__Destinations__v1__Address: `http://127.0.0.1:${port.messageGrpc}`,
      "ReverseProxy__Clusters__user-http__Destinations__v1__Address": `http://127.0.0.1:${port.userHttp}`,
      ReverseProxy__Clusters__edge__Destinations__v1__Address: `http://127.0.0.1:${port.edgeGrpc}`,
    }],
  ];
  for (const [name, project, assembly, http, env] of services) {
    const child = start(name, "dotnet", [dll(project, assembly)], { ...common, ...env }, join(root, "src", project));
    // The Proxy needs the JWKS and the Edge needs RoomService at start: each waits for the one before it.
    await waitReady(name, `http://127.0.0.1:${http}/health/ready`, child);
  }
  if (redis.child.exitCode !== null) {
    throw new Error("the private Redis exited");
  }

  const tests = spawn(process.execPath, ["--test", "--test-concurrency=1", "--test-reporter=tap", ".test-build/test/unit/", ".test-build/test/platform/"], {
    cwd: sdk,
    stdio: "inherit",
    env: {
      ...process.env,
      NODE_EXTRA_CA_CERTS: cert,
      LIVE_SDK_PROXY: `https://127.0.0.1:${port.proxyPublic}`,
      LIVE_SDK_USER_HTTP: `http://127.0.0.1:${port.userHttp}`,
      LIVE_SDK_CONTROL: `http://127.0.0.1:${control.address().port}`,
    },
  });
  status = await new Promise((resolve) => tests.once("exit", (code) => resolve(code ?? 1)));
  if (status !== 0) {
    for (const { name, log } of children) {
      console.error(`  last lines of ${name}'s log:\n${tail(log)}`);
    }
  }
} catch (error) {
  console.error(`SDK test set-up failed: ${error instanceof Error ? error.message : error}`);
  for (const { name, log } of children) {
    console.error(`  last lines of ${name}'s log:\n${tail(log)}`);
  }
  status = 1;
} finally {
  control?.close();
  await stopAll();
  await Promise.all(databases.map((name) => sql(`DROP DATABASE IF EXISTS ${name}`).catch(() => undefined)));
  rmSync(work, { recursive: true, force: true });
}
process.exit(status);
