import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tracingFromAddress } from '../../src/tracing.js';

const pageTrace = '4bf92f3577b34da6a3ce929d0e0e4736';

test('?trace=<share> turns tracing on in the page trace and logs each traced send', () => {
  const lines: string[] = [];
  const tracing = tracingFromAddress('?room=7&trace=0.5', pageTrace, (line) => lines.push(line));
  assert.ok(tracing);
  assert.equal(tracing.sampleRatio, 0.5);
  assert.equal(tracing.traceId?.(), pageTrace);
  tracing.onTraced?.(`00-${pageTrace}-00f067aa0ba902b7-01`, 'hello');
  assert.deepEqual(lines, [`traced 00-${pageTrace}-00f067aa0ba902b7-01 hello`]);
});

test('no trace parameter traces nothing; a bad one is reported and ignored', () => {
  const lines: string[] = [];
  assert.equal(tracingFromAddress('?room=7', pageTrace, (line) => lines.push(line)), undefined);
  assert.equal(lines.length, 0);
  for (const bad of ['2', '-1', 'yes', '']) {
    assert.equal(tracingFromAddress(`?trace=${bad}`, pageTrace, (line) => lines.push(line)), undefined);
  }
  assert.equal(lines.length, 4);
  assert.match(lines[0]!, /trace=2 ignored: give a share of sends from 0 to 1/);
});
