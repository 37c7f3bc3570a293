// Executes the Dockerfile's own RUN commands (sh, as in the image) for each project without a Docker
// daemon: COPY steps are reproduced with cp, /app and /src are mapped into a scratch directory.
import fs from "node:fs";
import { execSync } from "node:child_process";
import { DockerfileParser } from "dockerfile-ast";
const [dockerfile, ctx, work] = process.argv.slice(2);
const df = DockerfileParser.parse(fs.readFileSync(dockerfile, "utf8"));
const froms = df.getFROMs().map(f => f.getRange().start.line);
const stageOf = (line) => froms.filter(l => l <= line).length - 1;   // 0 projects, 1 build, 2 runtime
// The build stage's RUNs, in order: [0] PROJECT check, [1] restore, [2] publish + prune + check.
const runs = df.getInstructions().filter(i => i.getKeyword() === "RUN").map(i => ({ stage: stageOf(i.getRange().start.line), cmd: i.getArgumentsContent() }));
const sh = (cmd, cwd, env) => execSync(cmd, { cwd, env: { ...process.env, ...env }, shell: "/bin/sh", stdio: "pipe", maxBuffer: 64 << 20 }).toString();
let failures = 0;
for (const project of (process.argv[5] ?? "RoomService,UserService,MessageService,StatsService,Edge,Proxy").split(",")) {
  for (const arch of ["amd64"]) {
    execSync(`rm -rf ${work} && mkdir -p ${work}/projects ${work}/build`);
    const env = { PROJECT: project, ASSEMBLY: `Live.${project}`, CONFIGURATION: "Release", TARGETARCH: arch, DOTNET_CLI_TELEMETRY_OPTOUT: "1", DOTNET_NOLOGO: "1" };
    const map = (c) => c.replaceAll("/app", `${work}/app`).replaceAll("/src/src/", `${work}/projects/src/`);
    try {
      sh(`cp -r ${ctx}/src ${work}/projects/src`);
      for (const r of runs.filter(r => r.stage === 0)) sh(map(r.cmd), `${work}/projects`, env);
      const build = runs.filter(r => r.stage === 1);
      // COPY global.json ... ; COPY --from=projects
      sh(`cp ${ctx}/global.json ${ctx}/Directory.Build.props ${ctx}/Directory.Packages.props . && cp -r ${work}/projects/src src`, `${work}/build`);
      sh(map(build[0].cmd), `${work}/build`, env);              // PROJECT check
      sh(map(build[1].cmd), `${work}/build`, env);              // restore
      sh(`cp -r ${ctx}/protos . && cp -r ${ctx}/src/. src/`, `${work}/build`);
      sh(map(build[2].cmd), `${work}/build`, env);              // publish + prune
      if (runs.some(r => r.stage === 2)) throw new Error("RUN in runtime stage");
      const rt = fs.existsSync(`${work}/app/runtimes`) ? fs.readdirSync(`${work}/app/runtimes`).join(" ") : "-";
      const so = fs.existsSync(`${work}/app/runtimes/linux-x64/native`) ? fs.readdirSync(`${work}/app/runtimes/linux-x64/native`).join(" ") : "-";
      const size = sh(`du -sh ${work}/app | cut -f1`).trim();
      console.log(`${project} (${arch}): OK /app/Live.${project}.dll, runtimes: ${rt}, native: ${so}, ${size}`);
    } catch (e) {
      failures++;
      console.log(`${project} (${arch}): FAILED ${e.message.split("\n")[0]}\n${(e.stdout ?? "").toString().split("\n").filter(l => /error/i.test(l)).slice(0, 5).join("\n")}`);
    }
  }
}
// Negative check: an empty PROJECT must stop the build with a clear message.
try { sh(runs.filter(r => r.stage === 1)[0].cmd, "/tmp", { PROJECT: "" }); console.log("FAIL: empty PROJECT accepted"); failures++; }
catch (e) { console.log("empty PROJECT rejected: " + e.stderr.toString().trim()); }
process.exit(failures ? 1 : 0);
