// deploy/README.md's permissions table lists exactly the rules of deploy/'s RBAC files, each
// with the code that needs it (issue 15). test/integration/deploy/chart-installed.test.ts
// checks the same table against a SelfSubjectRulesReview made as each installed account.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { manifestRows, readmeRows, type PermissionRow } from './permissions.ts';

const key = (r: PermissionRow) => [r.account, r.scope, r.group, r.resources, r.names, r.verbs].join(' | ');

test('the README table has one row per RBAC rule, and no other', () => {
  const readme = readmeRows().map(key).sort();
  const manifests = manifestRows().map(key).sort();
  assert.deepEqual(
    {
      missingFromReadme: manifests.filter((r) => !readme.includes(r)),
      notInRbac: readme.filter((r) => !manifests.includes(r)),
    },
    { missingFromReadme: [], notInRbac: [] },
  );
  assert.equal(readme.length, manifests.length, 'no duplicate rows');
});

test('every row names code that exists', () => {
  const ROOT = new URL('../../../', import.meta.url);
  for (const row of readmeRows()) {
    const paths = [...row.neededBy.matchAll(/`((?:reconciler|webhook|shared)\/[^`]+\.ts)`/g)].map(
      (m) => m[1]!,
    );
    assert.ok(paths.length > 0, `${key(row)}: cites no source file`);
    for (const p of paths) assert.ok(existsSync(new URL(p, ROOT)), `${key(row)}: ${p} does not exist`);
  }
});
