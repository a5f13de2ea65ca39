// Issue 10 item 6: the depth scan that runs before JSON.parse.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { depthExceededAt, MAX_JSON_DEPTH } from '../../../webhook/body-limits.ts';

const nest = (levels: number, inner = '') => '{"a":'.repeat(levels) + (inner || '1') + '}'.repeat(levels);

test('depth up to the limit passes; one more is refused at its opening bracket', () => {
  assert.equal(depthExceededAt(nest(MAX_JSON_DEPTH)), -1);
  const over = nest(MAX_JSON_DEPTH + 1);
  const at = depthExceededAt(over);
  assert.equal(over[at], '{');
  assert.equal(at, '{"a":'.length * MAX_JSON_DEPTH);
  assert.equal(depthExceededAt('[[[]]]', 2), 2);
  assert.equal(depthExceededAt('[[],[],[[]]]', 3), -1, 'siblings do not add up');
});

test('brackets inside strings do not count, escaped quotes do not end a string', () => {
  const brackets = JSON.stringify({ s: '['.repeat(10_000), t: '{'.repeat(10_000) });
  assert.equal(depthExceededAt(brackets), -1);
  const escaped = JSON.stringify({ s: `he said "${'['.repeat(500)}" \\`, after: [[1]] });
  assert.equal(depthExceededAt(escaped), -1);
  assert.equal(depthExceededAt(escaped, 2), escaped.indexOf('[[1]]') + 1);
  // A string ending in an escaped backslash ends at the next quote.
  const backslash = `{"s":"a\\\\","t":[[[1]]]}`;
  assert.deepEqual(JSON.parse(backslash), { s: 'a\\', t: [[[1]]] });
  assert.equal(depthExceededAt(backslash, 3), backslash.indexOf('[[[') + 2);
});

test('agrees with JSON.parse on every real nesting: the scan depth is the parsed depth', () => {
  const depthOf = (v: unknown): number =>
    v !== null && typeof v === 'object' ? 1 + Math.max(0, ...Object.values(v).map(depthOf)) : 0;
  const samples = [
    { apiVersion: 'v1', items: [{ a: ['x]', '{y'], b: { c: [[['"']]] } }] },
    [1, [2, [3, [4, '\\"]']]]],
    { e: {}, f: [], g: 'tab\t"quote"\\' },
  ];
  for (const sample of samples) {
    const text = JSON.stringify(sample);
    const depth = depthOf(sample);
    assert.equal(depthExceededAt(text, depth), -1, text);
    assert.notEqual(depthExceededAt(text, depth - 1), -1, text);
  }
});

test('malformed text is left to JSON.parse', () => {
  assert.equal(depthExceededAt('{"unterminated: [[[[[[', 2), -1);
  assert.equal(depthExceededAt(']]]]'), -1);
  assert.equal(depthExceededAt(''), -1);
});
