import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ComboTracker, parseGiftContent } from '../../src/room/combos.js';
import { safeColour } from '../../src/room/colour.js';

test('gift content parses into gift name and running total', () => {
  assert.deepEqual(parseGiftContent('Rose \u00D712'), { gift: 'Rose', total: 12 });
  assert.deepEqual(parseGiftContent('Super Rocket \u00D71'), { gift: 'Super Rocket', total: 1 });
  assert.equal(parseGiftContent('Rose x12'), null);
  assert.equal(parseGiftContent('\u00D73'), null);
});

test('one combo per sender and gift, updated in place with the largest total', () => {
  const combos = new ComboTracker(3000);
  const first = combos.update(7, 'Rose', 1, 0);
  assert.equal(first.started, true);
  const second = combos.update(7, 'Rose', 3, 500);
  assert.deepEqual(second, { streakId: first.streakId, total: 3, started: false, raised: true });
  const stale = combos.update(7, 'Rose', 2, 600);
  assert.deepEqual(stale, { streakId: first.streakId, total: 3, started: false, raised: false });
  const other = combos.update(8, 'Rose', 1, 700);
  assert.notEqual(other.streakId, first.streakId);
});

test('a frame after the window starts a new streak at its own total', () => {
  const combos = new ComboTracker(3000);
  const first = combos.update(7, 'Rose', 5, 0);
  const later = combos.update(7, 'Rose', 1, 3500);
  assert.equal(later.started, true);
  assert.notEqual(later.streakId, first.streakId);
  assert.equal(later.total, 1);
});

test('colours from the wire are used only when they are #RRGGBB', () => {
  assert.equal(safeColour('#fe0302'), '#FE0302');
  assert.equal(safeColour('red'), '#FFFFFF');
  assert.equal(safeColour('#fff;background:url(x)'), '#FFFFFF');
  assert.equal(safeColour('expression(alert(1))'), '#FFFFFF');
  assert.equal(safeColour(''), '#FFFFFF');
  assert.equal(safeColour(undefined), '#FFFFFF');
});
