// docs/ explains the code file by file; when a module moves, the page must follow. Every
// repository path a page cites in backticks (`reconciler/...`, `shared/...`, `deploy/...`)
// and every relative link must exist.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';

const ROOT = new URL('../../../', import.meta.url);
const DOCS = new URL('docs/', ROOT);

for (const page of readdirSync(DOCS).filter((f) => f.endsWith('.md'))) {
  test(`docs/${page}: every cited repository path and relative link exists`, () => {
    const text = readFileSync(new URL(page, DOCS), 'utf8');
    const cited = [
      ...text.matchAll(
        /`((?:reconciler|shared|webhook|emulator|deploy|examples|test|scripts|bench)\/[^`\s*]*)\*?`/g,
      ),
    ].map((m) => new URL(m[1]!, ROOT));
    const linked = [...text.matchAll(/\]\((?!https?:|#)([^)#\s]+)(?:#[^)]*)?\)/g)].map(
      (m) => new URL(m[1]!, DOCS),
    );
    const missing = [...cited, ...linked].filter((u) => !existsSync(u)).map((u) => u.pathname);
    assert.deepEqual(missing, []);
  });
}
