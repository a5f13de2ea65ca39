import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ECI_ANNOTATIONS, checkEciAnnotations } from '../../../shared/annotations.ts';
import { badValueFor } from '../../../test/chaos/config-fuzz.ts';
import { describePlan, planWorkload } from '../../../test/chaos/workload.ts';

describe('planWorkload: about N pods, 40 % bare, 40 % in two Deployments, 20 % in two Jobs', () => {
  const rows: [number, number, number, number][] = [
    [100, 40, 20, 10],
    [30, 12, 6, 3],
    [300, 120, 60, 30],
    [1, 2, 1, 1],
  ];
  for (const [total, bare, perDeployment, perJob] of rows) {
    test(`${total} pods`, () => {
      const plan = planWorkload(total);
      assert.deepEqual(plan, { bare, deployments: [perDeployment, perDeployment], jobs: [perJob, perJob] });
      assert.equal(describePlan(plan), `${bare} pods, 2 deploy × ${perDeployment}, 2 jobs × ${perJob}`);
    });
  }
});

test('badValueFor: a value the annotation rule refuses, for all but free-text annotations', () => {
  const table = ECI_ANNOTATIONS as unknown as Record<string, { use: string }>;
  const names = Object.keys(table).filter((n) => table[n]!.use !== 'status');
  const found = names.filter((n) => badValueFor(n) !== undefined);
  for (const name of found) {
    const errors = checkEciAnnotations({ [name]: badValueFor(name)! }).errors;
    assert.ok(
      errors.some((e) => e.annotation === name),
      name,
    );
  }
  // Most rules refuse something; a handful take any text.
  assert.ok(found.length > names.length / 2, `${found.length} of ${names.length}`);
});
