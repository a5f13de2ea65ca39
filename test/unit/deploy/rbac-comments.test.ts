// Every rule of deploy/*/rbac.yaml says which code needs it ("file.ts: function -> clientCall").
// The code moves (issue 9 reshapes the reconciler), so the comments are checked against it:
// each file they cite exists and each client call they name after "->" is in one of those
// files. A rule whose code is gone shows up here, and can then be dropped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { isSeq, parseAllDocuments, type YAMLSeq } from 'yaml';

const ROOT = new URL('../../../', import.meta.url);
const FILES = [
  'deploy/reconciler/rbac.yaml',
  'deploy/reconciler/rbac-privatezone.yaml',
  'deploy/webhook/rbac.yaml',
];

/** Each rule with the comment above it (the yaml parser hangs the first one on the list itself). */
function rulesWithComments(file: string): { rule: unknown; comment: string }[] {
  const out: { rule: unknown; comment: string }[] = [];
  for (const doc of parseAllDocuments(readFileSync(new URL(file, ROOT), 'utf8'))) {
    const rules = doc.get('rules', true);
    if (!isSeq(rules)) continue;
    (rules as YAMLSeq).items.forEach((item, i) => {
      const comment =
        (i === 0 ? rules.commentBefore : (item as { commentBefore?: string }).commentBefore) ?? '';
      out.push({ rule: (item as { toJSON(): unknown }).toJSON(), comment });
    });
  }
  return out;
}

for (const file of FILES) {
  test(`${file}: every rule names existing code and the client calls in it`, () => {
    const rules = rulesWithComments(file);
    assert.ok(rules.length > 0);
    for (const { rule, comment } of rules) {
      const what = `${JSON.stringify(rule)} (comment: ${comment.trim() || 'none'})`;
      const paths = [...comment.matchAll(/\b((?:reconciler|webhook|shared)\/[\w./-]+\.ts)\b/g)].map(
        (m) => m[1]!,
      );
      assert.ok(paths.length > 0, `${what}: names no source file`);
      const sources = paths.map((p) => {
        assert.ok(existsSync(new URL(p, ROOT)), `${what}: ${p} does not exist`);
        return readFileSync(new URL(p, ROOT), 'utf8');
      });
      const calls = [...comment.matchAll(/->\s*([A-Za-z]\w+)/g)].map((m) => m[1]!);
      assert.ok(calls.length > 0, `${what}: names no client call after "->"`);
      for (const call of calls) {
        assert.ok(
          sources.some((s) => new RegExp(`\\b${call}\\b`).test(s)),
          `${what}: ${call} is not in ${paths.join(', ')}`,
        );
      }
    }
  });
}
