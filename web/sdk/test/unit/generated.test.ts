import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const sdk = fileURLToPath(new URL("../../../", import.meta.url));

function files(root: string): string[] {
  return readdirSync(root).flatMap((name) => {
    const path = join(root, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

test("src/gen is exactly what buf generate makes from protos/ (regenerate with npm run generate)", () => {
  const out = mkdtempSync(join(tmpdir(), "sdk-gen-"));
  try {
    execFileSync(join(sdk, "node_modules", ".bin", "buf"), ["generate", "--output", out], {
      cwd: sdk,
      env: { ...process.env, PATH: `${join(sdk, "node_modules", ".bin")}:${process.env["PATH"] ?? ""}` },
      stdio: "pipe",
    });
    const fresh = join(out, "src", "gen");
    const committed = join(sdk, "src", "gen");
    const names = (root: string) => files(root).map((f) => relative(root, f)).sort();
    assert.deepEqual(names(committed), names(fresh));
    for (const name of names(fresh)) {
      assert.equal(readFileSync(join(committed, name), "utf8"), readFileSync(join(fresh, name), "utf8"), `${name} is stale`);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
