// Parses the Dockerfile with dockerfile-ast and checks its structure.
import fs from "node:fs";
import { DockerfileParser } from "dockerfile-ast";
const file = process.argv[2];
const df = DockerfileParser.parse(fs.readFileSync(file, "utf8"));
let fails = 0, checks = 0; const ok = (c, m) => { checks++; if (!c) { fails++; console.log("FAIL " + m); } };
const stages = df.getFROMs().map(f => ({ name: f.getBuildStage(), image: f.getRegistry() ? `${f.getRegistry()}/${f.getImageName()}` : f.getImageName(), tag: f.getImageTag() }));
console.log("stages:", stages.map(s => `${s.name}=${s.image}:${s.tag}`).join(", "));
ok(stages.some(s => s.image === "mcr.microsoft.com/dotnet/sdk"), "sdk stage");
ok(stages.at(-1).image === "mcr.microsoft.com/dotnet/aspnet", "final stage is aspnet");
const names = new Set(stages.map(s => s.name));
for (const ins of df.getInstructions()) {
  const kw = ins.getKeyword();
  ok(["FROM","ARG","ENV","WORKDIR","COPY","RUN","LABEL","USER","EXPOSE","ENTRYPOINT"].includes(kw), `unexpected instruction ${kw} at line ${ins.getRange().start.line + 1}`);
  if (kw === "COPY") for (const fl of ins.getFlags()) if (fl.getName() === "from") ok(names.has(fl.getValue()), `COPY --from=${fl.getValue()} names no stage`);
}
const ep = df.getENTRYPOINTs().at(-1);
ok(ep && ep.getJSONStrings().length > 0, "ENTRYPOINT in exec (JSON) form");
const users = df.getInstructions().filter(i => i.getKeyword() === "USER");
ok(users.length && users.at(-1).getRange().start.line > df.getFROMs().at(-1).getRange().start.line, "USER set in final stage");
const finalLine = df.getFROMs().at(-1).getRange().start.line;
ok(!df.getInstructions().some(i => i.getKeyword() === "RUN" && i.getRange().start.line > finalLine), "no RUN in final stage");
console.log(`${checks - fails} passed, ${fails} failed`);
process.exit(fails ? 1 : 0);
