import { test } from "node:test";
import assert from "node:assert/strict";
import { fullJitterDelay } from "../../src/index.js";

test("full jitter: uniform below a ceiling that doubles up to the maximum", () => {
  const options = { initialMs: 500, maxMs: 30_000 };
  assert.equal(fullJitterDelay(0, options, () => 0), 0);
  assert.equal(fullJitterDelay(0, options, () => 0.999999), 499);
  assert.equal(fullJitterDelay(3, options, () => 0.5), 2000);
  assert.equal(fullJitterDelay(10, options, () => 0.999999), 29_999);
  assert.equal(fullJitterDelay(1000, options, () => 0.5), 15_000);
  const spread = new Set(Array.from({ length: 200 }, () => fullJitterDelay(4, options)));
  assert.ok(spread.size > 100, "clients cut off together come back spread out");
  for (const delay of spread) {
    assert.ok(delay >= 0 && delay < 8000);
  }
});
