// Resize messages read as the kubelet's JSON decoder reads them: objects one after another,
// with or without newlines (client-go writes one per line, other WebSocket clients one per
// message), keys in any case, an object split across chunks kept for the next one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseResizeLines } from '../../../../../reconciler/kubelet/streaming/exec.ts';

test('parseResizeLines: concatenated objects, any key case, partial objects kept', () => {
  const table: [string, ReturnType<typeof parseResizeLines>][] = [
    ['{"Width":80,"Height":24}', { sizes: [{ width: 80, height: 24 }], rest: '' }],
    [
      '{"width":1,"height":2}{"WIDTH":3,"HEIGHT":4}\n',
      {
        sizes: [
          { width: 1, height: 2 },
          { width: 3, height: 4 },
        ],
        rest: '',
      },
    ],
    ['  {"Width":5,"Height":6} {"Width":7,', { sizes: [{ width: 5, height: 6 }], rest: '{"Width":7,' }],
    // Braces inside strings do not end an object.
    ['{"x":"}{","Width":9,"Height":10}', { sizes: [{ width: 9, height: 10 }], rest: '' }],
    ['', { sizes: [], rest: '' }],
  ];
  for (const [input, want] of table) assert.deepEqual(parseResizeLines(input), want, input);
  assert.match(parseResizeLines('{"Width":1,"Height":2}[1]').bad ?? '', /not JSON/);
  assert.match(parseResizeLines('{"Width":1.5,"Height":2}').bad ?? '', /integer Width and Height/);
  assert.match(parseResizeLines('{"Width":1 "Height":2}').bad ?? '', /not JSON/);
});
